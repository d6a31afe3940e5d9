"""An application database: subnet group, a security group that admits only the app tier, and an RDS
PostgreSQL instance. storage_encrypted is never set, so the storage is not encrypted."""
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
db_name = config.require("dbName")
db_user = config.require("dbUser")
db_password = config.get_secret("dbPassword") or pulumi.Output.secret("change-me-please-0")

vpc = aws.ec2.Vpc("db-vpc", cidr_block="10.30.0.0/16")
subnets = [aws.ec2.Subnet(f"db-private-{zone}", vpc_id=vpc.id, cidr_block=f"10.30.{i}.0/24",
                          availability_zone=f"eu-west-1{zone}")
           for i, zone in enumerate(["a", "b"])]
group = aws.rds.SubnetGroup("db-subnets", subnet_ids=[s.id for s in subnets])

app = aws.ec2.SecurityGroup("app", vpc_id=vpc.id, description="application tier")
database_sg = aws.ec2.SecurityGroup("database", vpc_id=vpc.id, description="postgres from the app tier",
                                    ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432,
                                              "security_groups": [app.id]}])

db = aws.rds.Instance(
    "orders-db",
    engine="postgres",
    engine_version="16.3",
    instance_class="db.t4g.micro",
    allocated_storage=20,
    db_name=db_name,
    username=db_user,
    password=db_password,
    db_subnet_group_name=group.name,
    vpc_security_group_ids=[database_sg.id],
    backup_retention_period=7,
    skip_final_snapshot=True,
)

pulumi.export("endpoint", db.endpoint)
