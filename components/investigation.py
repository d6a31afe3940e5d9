"""Investigation: an Athena workgroup, a Glue table over the trail's logs, and the saved queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from cloudtrail.schema import COLUMNS, PARTITIONS, hive_type
from .log_bucket import LogBucket, LogBucketArgs
from .partitions import partition_of, regions_of_partition
from cloudtrail.query_library import saved_queries

SERDE = "org.apache.hive.hcatalog.data.JsonSerDe"
INPUT_FORMAT = "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
DATABASE = "audit_baseline"
TABLE = "cloudtrail"


def logs_location(bucket: pulumi.Input[str], prefix: str, organization_id: Optional[str]) -> pulumi.Output:
    """Where the trail writes, up to the account level: s3://bucket/[prefix/]AWSLogs/[org-id/]."""
    return pulumi.Output.concat("s3://", bucket, "/", f"{prefix}/" if prefix else "", "AWSLogs/",
                                f"{organization_id}/" if organization_id else "")


def projection_parameters(location: str, accounts: Optional[Sequence[str]], regions: Sequence[str]) -> dict[str, str]:
    """Partition projection: no crawler, no MSCK REPAIR; Athena computes the partitions from these.

    ``accounts``: the accounts whose logs the table reads (``enum``), or None for an ``injected`` projection: each
    query then names its account(s) (``WHERE account = '111122223333'``) and Athena refuses a query that does not,
    rather than reading a subset. ``regions``: every region the trail writes (a multi-region trail: all regions of
    its partition, ``partitions.regions_of_partition``). Athena projects only the values listed: a region or account
    missing here is silently invisible to every query.
    Source: https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html (enum, injected),
    https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html.
    """
    account = ({"projection.account.type": "injected"} if accounts is None else
               {"projection.account.type": "enum", "projection.account.values": ",".join(accounts)})
    return {
        "EXTERNAL": "TRUE", "classification": "cloudtrail", "projection.enabled": "true", **account,
        "projection.region.type": "enum", "projection.region.values": ",".join(regions),
        "projection.date.type": "date", "projection.date.format": "yyyy/MM/dd",
        "projection.date.range": "2020/01/01,NOW", "projection.date.interval": "1",
        "projection.date.interval.unit": "DAYS",
        "storage.location.template": location + "${account}/CloudTrail/${region}/${date}",
    }


@dataclass
class InvestigationArgs:
    logs_bucket: pulumi.Input[str]
    """The trail's log bucket."""
    account_id: pulumi.Input[str]
    regions: Sequence[str]
    """The home region first (then any others): the table projects every region of the home region's partition,
    opt-in ones included, as a multi-region trail writes them all."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts query results (the audit key)."""
    log_prefix: str = ""
    organization_id: Optional[str] = None
    accounts: Sequence[str] = ()
    """Accounts the table projects (an organization trail's members: all of them); empty: this account, or for an
    organization trail an ``injected`` account projection that each query must name."""
    bytes_scanned_cutoff: int = 10 * 1024 ** 3
    results_expire_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)
    workgroup_name: str = "audit-baseline"
    """Athena workgroup (one per stack: ``naming.workgroup``)."""
    database_name: str = DATABASE
    """Glue database (one per stack: ``naming.glue_database``)."""


class Investigation(pulumi.ComponentResource):
    """Athena over the trail's logs: enforced workgroup, encrypted results, projected table, saved queries."""

    def __init__(self, name: str, args: InvestigationArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:investigation:Investigation", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags) or None
        self.results = LogBucket(f"{name}-results", LogBucketArgs(
            kms_key_arn=args.kms_key_arn, glacier_after_days=0, expire_after_days=args.results_expire_days,
            policy_statements=[_results_statements], protect=False, retain_on_delete=False, tags=dict(args.tags)),
            opts=child)
        self.workgroup = aws.athena.Workgroup(
            f"{name}-workgroup", name=args.workgroup_name, description="Investigations over the audit trail",
            force_destroy=False, tags=tags, opts=child,
            configuration=aws.athena.WorkgroupConfigurationArgs(
                enforce_workgroup_configuration=True, publish_cloudwatch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=args.bytes_scanned_cutoff,
                engine_version=aws.athena.WorkgroupConfigurationEngineVersionArgs(
                    selected_engine_version="Athena engine version 3"),
                result_configuration=aws.athena.WorkgroupConfigurationResultConfigurationArgs(
                    output_location=pulumi.Output.concat("s3://", self.results.bucket_name, "/results/"),
                    encryption_configuration=aws.athena.WorkgroupConfigurationResultConfigurationEncryptionConfigurationArgs(
                        encryption_option="SSE_KMS", kms_key_arn=args.kms_key_arn))))
        self.database = aws.glue.CatalogDatabase(f"{name}-database", name=args.database_name,
                                                 description="The audit baseline's CloudTrail logs", opts=child)
        regions = projected_regions(args.regions)
        location = logs_location(args.logs_bucket, args.log_prefix, args.organization_id)
        accounts = pulumi.Output.from_input(
            list(args.accounts) or (None if args.organization_id else [args.account_id]))
        self.table = aws.glue.CatalogTable(
            f"{name}-table", name=TABLE, database_name=self.database.name, table_type="EXTERNAL_TABLE",
            description="CloudTrail management and data events, projected by account, region and day",
            parameters=pulumi.Output.all(location, accounts).apply(
                lambda v: projection_parameters(v[0], v[1], regions)),
            partition_keys=[aws.glue.CatalogTablePartitionKeyArgs(name=n, type=t) for n, t in PARTITIONS],
            storage_descriptor=aws.glue.CatalogTableStorageDescriptorArgs(
                location=location, input_format=INPUT_FORMAT, output_format=OUTPUT_FORMAT,
                ser_de_info=aws.glue.CatalogTableStorageDescriptorSerDeInfoArgs(serialization_library=SERDE),
                columns=[aws.glue.CatalogTableStorageDescriptorColumnArgs(name=n, type=hive_type(t))
                         for n, _key, t in COLUMNS]),
            opts=child)
        self.queries: dict[str, pulumi.CustomResource] = {}
        for q in saved_queries().values():
            if q.params:  # parameterized: a prepared statement, run with EXECUTE ... USING
                self.queries[q.name] = aws.athena.PreparedStatement(
                    f"{name}-{q.name}", name=q.name, workgroup=self.workgroup.name, query_statement=q.body,
                    description=q.description[:1024], opts=pulumi.ResourceOptions(parent=self,
                                                                                   depends_on=[self.table]))
            else:
                self.queries[q.name] = aws.athena.NamedQuery(
                    f"{name}-{q.name}", name=q.name, workgroup=self.workgroup.name, database=self.database.name,
                    query=q.sql, description=q.description[:1024],
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[self.table]))
        self.register_outputs({"workgroup": self.workgroup.name, "database": self.database.name,
                               "table": self.table.name})


def projected_regions(regions: Sequence[str]) -> list[str]:
    """Every region of the partition of ``regions[0]`` (the home region), and any other given region."""
    if not regions:
        raise ValueError("InvestigationArgs.regions needs the home region first")
    return sorted({*regions_of_partition(partition_of(regions[0])), *regions})


def _results_statements(bucket_arn):
    """Query results are written encrypted with the audit key, never in the clear."""
    return [{"Sid": "DenyUnencryptedResults", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
             "Resource": pulumi.Output.concat(bucket_arn, "/*"),
             "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}]
