"""The classic first program: look up an AMI, open HTTP, boot an instance with user data."""
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
instance_type = config.get("instanceType") or "t3.micro"

ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"],
                      filters=[{"name": "name", "values": ["al2023-ami-*-x86_64"]}])

http = aws.ec2.SecurityGroup("web-http", description="HTTP in", ingress=[
    {"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}])

user_data = """#!/bin/bash
echo "Hello, World!" > index.html
nohup python3 -m http.server 80 &
"""

server = aws.ec2.Instance("web-server", instance_type=instance_type, ami=ami.id,
                          vpc_security_group_ids=[http.id], user_data=user_data,
                          associate_public_ip_address=True,
                          root_block_device={"volume_size": 16, "volume_type": "gp3"},
                          metadata_options={"http_tokens": "required"},
                          tags={"Name": "web-server"})

pulumi.export("public_ip", server.public_ip)
