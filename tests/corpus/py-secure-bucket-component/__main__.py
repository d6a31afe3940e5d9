import pulumi

from storage import SecureBucket

reports = SecureBucket("reports")
marketing = SecureBucket("marketing-site", public_website=True)

pulumi.export("reports_bucket", reports.bucket.bucket)
pulumi.export("marketing_bucket", marketing.bucket.bucket)
