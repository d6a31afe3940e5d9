"""One security group per service, in a loop over structured config (a common pattern for platform
teams); every group allows exactly its port from its CIDR."""
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
default_vpc = aws.ec2.get_vpc(default=True)

groups = {}
for service in config.require_object("services"):
    groups[service["name"]] = aws.ec2.SecurityGroup(
        f"{service['name']}-sg",
        vpc_id=default_vpc.id,
        description=f"{service['name']} ingress",
        ingress=[aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=service["port"],
                                                  to_port=service["port"], cidr_blocks=[service["cidr"]])],
    )

pulumi.export("security_groups", {name: group.id for name, group in groups.items()})
