"""RDS storage encryption, for DB instances and clusters.

What AWS does when a stack says nothing (checked 2026-11-30):

- Aurora DB clusters: the Aurora User Guide ("Encrypting Amazon Aurora resources", overview) says all new
  database clusters created on or after 2026-02-18 are encrypted at rest (AES-256), by default with an AWS
  owned key (SSE-RDS); AWS's Database Blog ("Use default encryption at rest for new Amazon Aurora clusters")
  says the same of clusters created without ``--storage-encrypted`` or with ``--no-storage-encrypted``.
  The provider's schema (pulumi-aws 7, ``rds.Cluster.storage_encrypted``) is optional and computed: left out,
  nothing is sent and AWS's default applies ("the provider will only perform drift detection if a
  configuration value is provided"). So a cluster declared today without ``storageEncrypted`` is encrypted:
  no finding. Declared with ``storageEncrypted: false`` it is encrypted too, but with a key nobody can audit
  and against what the program asks: an advisory finding (AWS does not document what Config reports for it).
  Clusters created before 2026-02-18 keep their state, which a preview cannot see.
- Aurora Serverless v1 (``engineMode: serverless``): "the cluster volume is always encrypted. You can choose
  the encryption key, but you can't disable encryption" (Aurora User Guide, "Using Amazon Aurora Serverless
  v1"; the provider's schema agrees: the default is true for ``serverless``): never a finding. (The same page
  gives Serverless v1's end of life, 2025-03-31, after which AWS migrates such clusters to Serverless v2.)
- RDS DB instances and Multi-AZ DB clusters (non-Aurora engines): unchanged; the RDS API reference
  (CreateDBInstance, ``StorageEncrypted``) says "By default, it isn't encrypted": unset or false is
  NON_COMPLIANT, unless the storage comes from a snapshot, a source instance or a point in time (then the
  source decides, which the stack does not show).
- Aurora DB instances: their storage is the cluster's; judged on the cluster.
"""
from __future__ import annotations

from ..props import UNKNOWN, truthy
from ..registry import ADVISORY_PREFIX, resource_check

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
AURORA_DEFAULT_ENCRYPTION = "2026-02-18"


@resource_check("rds-storage-encrypted", (INSTANCE, CLUSTER), covers=(
    "rds.Instance `storageEncrypted` (Aurora members are judged through their cluster)",
    "rds.Cluster: Aurora clusters are encrypted by AWS by default since 2026-02-18 (unset: compliant; "
    "explicitly false: advisory); Aurora Serverless v1 is always encrypted; Multi-AZ DB clusters as instances",
    "storage restored from a snapshot, a point in time or a replica source inherits the source's encryption",
    "`kmsKeyId` against the required key when the policy config names one",
), unknown=("the encryption of snapshots and source instances",
            "clusters created before 2026-02-18 that the stack already manages"))
def storage_encrypted(props, config, kind: str = INSTANCE):
    engine = props.get("engine")
    aurora = isinstance(engine, str) and engine.startswith("aurora")
    if kind == INSTANCE and (aurora or engine is UNKNOWN):
        return []  # an Aurora instance's storage is its cluster's: judged on the cluster
    if kind == CLUSTER and (engine is UNKNOWN or props.get("engineMode") is UNKNOWN):
        return []  # Aurora or not decides the default
    if kind == CLUSTER and aurora and props.get("engineMode") == "serverless":
        return []  # Aurora Serverless v1 is always encrypted
    encrypted = truthy(props.get("storageEncrypted")) if "storageEncrypted" in props else None
    if encrypted is UNKNOWN:
        return []
    inherits = [k for k in ("replicateSourceDb", "snapshotIdentifier", "restoreToPointInTime",
                            "replicationSourceIdentifier", "s3Import") if props.get(k) not in (None, "")]
    if encrypted is None and inherits:
        return []  # encryption comes from the source or snapshot, which this stack does not show
    want = config.get("kmsKeyId") or ""
    key = props.get("kmsKeyId")
    if kind == CLUSTER and aurora and encrypted is not True:
        if want:
            return [f"the cluster is encrypted with an AWS owned key (Aurora's default since "
                    f"{AURORA_DEFAULT_ENCRYPTION}), not the required key {want}. Set storage_encrypted=True and "
                    f"kms_key_id."]
        if encrypted is False:
            return [f"{ADVISORY_PREFIX}storageEncrypted is false, but Aurora encrypts every cluster created since "
                    f"{AURORA_DEFAULT_ENCRYPTION} with an AWS owned key, which you can neither audit nor control. "
                    "Set storage_encrypted=True (optionally with kms_key_id)."]
        return []
    if encrypted is not True:
        what = "DB instance" if kind == INSTANCE else "cluster"
        return [f"storageEncrypted is not true: the {what}'s storage is not encrypted. Set storage_encrypted=True "
                "(existing storage cannot be encrypted in place: restore an encrypted snapshot copy)."]
    if want and key is not UNKNOWN and key != want:
        return [f"kmsKeyId is {key or 'the AWS managed key'}, not the required key {want}."]
    return []
