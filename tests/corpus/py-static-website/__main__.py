"""A website bucket: index and error documents, objects readable by anyone through the bucket policy."""
import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
index_document = config.get("indexDocument") or "index.html"

site = aws.s3.Bucket("site", force_destroy=True, tags={"purpose": "website"})

aws.s3.BucketWebsiteConfiguration(
    "site-website",
    bucket=site.id,
    index_document={"suffix": index_document},
    error_document={"key": "404.html"},
)

# The public access block must be relaxed before a public policy is accepted.
unblock = aws.s3.BucketPublicAccessBlock(
    "site-public-access",
    bucket=site.id,
    block_public_acls=False,
    block_public_policy=False,
    ignore_public_acls=False,
    restrict_public_buckets=False,
)


def public_read(bucket_arn: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicReadGetObject",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject"],
            "Resource": [f"{bucket_arn}/*"],
        }],
    })


aws.s3.BucketPolicy(
    "site-policy",
    bucket=site.id,
    policy=site.arn.apply(public_read),
    opts=pulumi.ResourceOptions(depends_on=[unblock]),
)

aws.s3.BucketObject("index", bucket=site.id, key=index_document, content="<h1>hello</h1>",
                    content_type="text/html")

pulumi.export("bucket_name", site.bucket)
pulumi.export("website_endpoint", pulumi.Output.concat("http://", site.bucket, ".s3-website-us-east-1.amazonaws.com"))
