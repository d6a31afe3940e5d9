"""A deliberately non-compliant stack: `make plan PROGRAM=examples/public-bucket-lab STACK=lab` must stop it.

Three mistakes (a public-read bucket ACL, SSH open to the world, an unencrypted data volume) sit next to
correct neighbours (a private security group, an encrypted root volume) that must pass.
"""
import pulumi_aws as aws

# Mistake 1: anyone on the internet can list and read this bucket.
website = aws.s3.Bucket("lab-website")
aws.s3.BucketOwnershipControls("lab-website-ownership", bucket=website.id,
                               rule={"object_ownership": "BucketOwnerPreferred"})
aws.s3.BucketAcl("lab-website-acl", bucket=website.id, acl="public-read")

# Mistake 2: SSH from anywhere.
admin = aws.ec2.SecurityGroup("lab-admin", description="admin access", ingress=[
    {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}])

# Correct neighbour: HTTPS from the office only.
office = aws.ec2.SecurityGroup("lab-office", description="office https", ingress=[
    {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["203.0.113.0/24"]}])

# Mistake 3: the data volume (a new, blank volume) is not encrypted; the root volume is.
server = aws.ec2.Instance("lab-server", ami="ami-0123456789abcdef0", instance_type="t3.micro",
                          vpc_security_group_ids=[admin.id, office.id],
                          root_block_device={"volume_size": 20, "encrypted": True},
                          ebs_block_devices=[{"device_name": "/dev/sdf", "volume_size": 50}])
