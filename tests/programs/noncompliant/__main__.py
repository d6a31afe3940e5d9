"""One trail that satisfies every CloudTrail rule and one that breaks three of them."""
import pulumi_aws as aws

aws.cloudtrail.Trail("good", name="good", s3_bucket_name="logs", is_multi_region_trail=True,
                     enable_log_file_validation=True, kms_key_id="arn:aws:kms:eu-west-1:123456789012:key/abc")
aws.cloudtrail.Trail("bad", name="bad", s3_bucket_name="logs")
