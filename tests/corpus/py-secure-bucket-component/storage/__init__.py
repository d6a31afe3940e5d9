"""A bucket component with safe defaults; ``public_website=True`` relaxes them for a static site."""
import json
from typing import Optional

import pulumi
import pulumi_aws as aws


class SecureBucket(pulumi.ComponentResource):
    def __init__(self, name: str, public_website: bool = False, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("acme:storage:SecureBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(name, opts=child)
        aws.s3.BucketPublicAccessBlock(f"{name}-pab", bucket=self.bucket.id, block_public_acls=not public_website,
                                       block_public_policy=not public_website, ignore_public_acls=not public_website,
                                       restrict_public_buckets=not public_website, opts=child)
        statements = [{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": ["{arn}", "{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
        if public_website:
            aws.s3.BucketOwnershipControls(f"{name}-ownership", bucket=self.bucket.id,
                                           rule={"object_ownership": "BucketOwnerPreferred"}, opts=child)
            aws.s3.BucketAcl(f"{name}-acl", bucket=self.bucket.id, acl="public-read", opts=child)
        policy = self.bucket.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": json.loads(
            json.dumps(statements).replace("{arn}", arn))}))
        aws.s3.BucketPolicy(f"{name}-policy", bucket=self.bucket.id, policy=policy, opts=child)
        self.register_outputs({"bucket": self.bucket.bucket})
