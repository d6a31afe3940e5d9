"""VPC, public subnets across two zones, an internet gateway and a route table; the web security group
lets HTTP/HTTPS in from anywhere and, through a stand-alone rule, SSH too."""
import ipaddress

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
cidr = config.get("cidr") or "10.0.0.0/16"
zones = aws.get_availability_zones(state="available")

vpc = aws.ec2.Vpc("web-vpc", cidr_block=cidr, enable_dns_hostnames=True, enable_dns_support=True,
                  tags={"Name": "web-vpc"})
gateway = aws.ec2.InternetGateway("web-igw", vpc_id=vpc.id)
routes = aws.ec2.RouteTable("web-public-routes", vpc_id=vpc.id,
                            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}])

blocks = list(ipaddress.ip_network(cidr).subnets(new_prefix=24))
for i in range(2):
    subnet = aws.ec2.Subnet(f"web-public-{i}", vpc_id=vpc.id, cidr_block=str(blocks[i]),
                            availability_zone=zones.names[i] if len(zones.names) > i else None,
                            map_public_ip_on_launch=True)
    aws.ec2.RouteTableAssociation(f"web-public-{i}-routes", subnet_id=subnet.id, route_table_id=routes.id)

web = aws.ec2.SecurityGroup("web", vpc_id=vpc.id, description="web servers", ingress=[
    {"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]},
    {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": ["::/0"]},
])
aws.ec2.SecurityGroupRule("web-ssh", type="ingress", security_group_id=web.id, protocol="tcp",
                          from_port=22, to_port=22, cidr_blocks=["0.0.0.0/0"])

pulumi.export("vpc_id", vpc.id)
