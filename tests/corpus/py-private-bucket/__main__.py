"""A data bucket as a careful team writes it: every public access flag on, ownership enforced,
SSE-KMS with a bucket key, versioning, and a policy that refuses requests without TLS."""
import pulumi
import pulumi_aws as aws

data = aws.s3.Bucket("data", tags={"classification": "internal"})

aws.s3.BucketPublicAccessBlock("data-public-access", bucket=data.id, block_public_acls=True,
                               block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
aws.s3.BucketOwnershipControls("data-ownership", bucket=data.id,
                               rule={"object_ownership": "BucketOwnerEnforced"})
aws.s3.BucketVersioning("data-versioning", bucket=data.id, versioning_configuration={"status": "Enabled"})

key = aws.kms.Key("data-key", description="data bucket encryption", enable_key_rotation=True,
                  deletion_window_in_days=30)
aws.s3.BucketServerSideEncryptionConfiguration(
    "data-encryption", bucket=data.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                        "kms_master_key_id": key.arn},
            "bucket_key_enabled": True}])

tls_only = aws.iam.get_policy_document_output(statements=[{
    "sid": "DenyInsecureTransport",
    "effect": "Deny",
    "principals": [{"type": "*", "identifiers": ["*"]}],
    "actions": ["s3:*"],
    "resources": [data.arn, pulumi.Output.concat(data.arn, "/*")],
    "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
}])
aws.s3.BucketPolicy("data-policy", bucket=data.id, policy=tls_only.json)

pulumi.export("bucket", data.bucket)
