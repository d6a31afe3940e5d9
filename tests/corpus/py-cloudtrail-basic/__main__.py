"""The trail a tutorial sets up: a bucket with the CloudTrail delivery statements, then the trail."""
import json

import pulumi
import pulumi_aws as aws

identity = aws.get_caller_identity()
logs = aws.s3.Bucket("trail-logs", force_destroy=True)
aws.s3.BucketPublicAccessBlock("trail-logs-pab", bucket=logs.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets=True)


def delivery_policy(arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": arn},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"{arn}/AWSLogs/{identity.account_id}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
    ]})


policy = aws.s3.BucketPolicy("trail-logs-policy", bucket=logs.id, policy=logs.arn.apply(delivery_policy))
aws.cloudtrail.Trail("main", s3_bucket_name=logs.id, include_global_service_events=True,
                     opts=pulumi.ResourceOptions(depends_on=[policy]))
