"""A hardened S3 bucket for audit logs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from . import policy_docs
from .policy_docs import StatementSource


@dataclass
class LogBucketArgs:
    """How the log bucket is encrypted, kept, locked and shared."""

    kms_key_arn: Optional[pulumi.Input[str]] = None
    """Customer key for default encryption (SSE-KMS). None: SSE-S3 (AES-256)."""

    glacier_after_days: int = 90
    """Move objects to S3 Glacier Instant Retrieval (``ARCHIVE_STORAGE_CLASS``) after this many days; 0 never."""

    expire_after_days: int = 2557
    """Delete objects (and old versions) after this many days; 0 never."""

    object_lock_mode: Optional[str] = None
    """``GOVERNANCE`` or ``COMPLIANCE`` to make objects write-once; None: no Object Lock."""

    object_lock_days: int = 365
    """Default retention of locked objects."""

    abort_incomplete_uploads_days: int = 7
    """Abort multipart uploads left incomplete this many days after they began (their parts are
    billed storage nobody can read; S3 user guide, "Configuring a bucket lifecycle configuration to
    delete incomplete multipart uploads")."""

    policy_statements: Sequence[StatementSource] = ()
    """Statements other components need in the bucket's one policy, given the bucket's ARN."""

    protect: bool = True
    """Refuse deletion through Pulumi (``protect``)."""

    retain_on_delete: bool = True
    """Leave the bucket in AWS when it leaves the program."""

    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for the bucket."""


class LogBucket(pulumi.ComponentResource):
    """An S3 bucket for audit logs: private, owner-enforced, versioned, encrypted, TLS-only, kept.

    Every request without TLS is denied; all four public-access-block flags are on; ACLs are
    disabled; old versions are kept until expiry; the bucket is protected from ``pulumi destroy``.
    The bucket gets exactly one ``BucketPolicy``, rendered from its own statements and those
    that other components contribute through ``policy_statements``.
    """

    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy

    def __init__(self, name: str, args: LogBucketArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:storage:LogBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.retain_on_delete)
        locked = args.object_lock_mode is not None

        self.bucket = aws.s3.Bucket(name, object_lock_enabled=locked or None, force_destroy=False,
                                    tags=dict(args.tags) or None, opts=kept)
        bucket_id = self.bucket.id

        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block", bucket=bucket_id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        self.ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=bucket_id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"), opts=child)
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket_id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child)
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket_id, rules=[_encryption_rule(args.kms_key_arn)], opts=child)

        self.lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket_id,
            rules=_lifecycle_rules(args.glacier_after_days, args.expire_after_days, args.abort_incomplete_uploads_days),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]))

        self.object_lock = aws.s3.BucketObjectLockConfiguration(
            f"{name}-object-lock", bucket=bucket_id,
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode=args.object_lock_mode, days=args.object_lock_days)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning])) if locked else None

        arn = self.bucket.arn
        statements = [policy_docs.deny_insecure_transport(arn)]
        for source in args.policy_statements:
            statements.extend(source(arn))
        # The public access block goes first so that a policy is never briefly judged on an open bucket.
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy", bucket=bucket_id, policy=policy_docs.render(statements),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block, self.ownership]))

        self.bucket_name = self.bucket.bucket
        self.arn = arn
        self.register_outputs({"bucketName": self.bucket_name, "arn": arn})


def _encryption_rule(kms_key_arn) -> aws.s3.BucketServerSideEncryptionConfigurationRuleArgs:
    if kms_key_arn is None:
        default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="AES256")
        return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(apply_server_side_encryption_by_default=default)
    default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
        sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn)
    # Bucket keys cut KMS requests (and cost) by about 99% for log-heavy buckets.
    return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
        apply_server_side_encryption_by_default=default, bucket_key_enabled=True)


# The archive tier Athena still reads: S3 Glacier Instant Retrieval. Athena skips objects in Glacier Flexible
# Retrieval and Deep Archive (unless restored and the table reads restored objects), so a query window would
# silently end at the transition; with GLACIER_IR every object the bucket keeps is in every query's reach.
# Sources: https://docs.aws.amazon.com/athena/latest/ug/querying-glacier.html,
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_Transition.html (storage class GLACIER_IR).
ARCHIVE_STORAGE_CLASS = "GLACIER_IR"


def _lifecycle_rules(glacier_after_days: int, expire_after_days: int, abort_after_days: int) -> list:
    """Archive-then-expire (when either is set), and always the abort of incomplete multipart uploads.

    The abort rule has a prefix filter only: S3 refuses ``AbortIncompleteMultipartUpload`` in a rule
    whose filter names tags.
    """
    rules = [aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="abort-incomplete-multipart-uploads", status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=abort_after_days))]
    if not glacier_after_days and not expire_after_days:
        return rules
    transitions = [aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
        days=glacier_after_days, storage_class=ARCHIVE_STORAGE_CLASS)] if glacier_after_days else None
    expiration = aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
        days=expire_after_days) if expire_after_days else None
    noncurrent = aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
        noncurrent_days=expire_after_days) if expire_after_days else None
    return [aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="archive-then-expire", status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        transitions=transitions, expiration=expiration, noncurrent_version_expiration=noncurrent), *rules]
