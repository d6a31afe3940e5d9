import pulumi_aws as aws
import pulumi_random as random

suffix = random.RandomId("suffix", byte_length=4)
aws.s3.Bucket("open", bucket=suffix.hex.apply(lambda h: f"open-{h}"))
aws.ec2.SecurityGroup("ssh", ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22,
                                       "cidr_blocks": ["0.0.0.0/0"]}])
