"""A MySQL database with storage encrypted by its own rotating KMS key, not publicly accessible, and
reachable on 3306 only from inside the VPC."""
import pulumi
import pulumi_aws as aws

vpc = aws.ec2.Vpc("mysql-vpc", cidr_block="10.40.0.0/16")
subnets = [aws.ec2.Subnet(f"mysql-{i}", vpc_id=vpc.id, cidr_block=f"10.40.{i}.0/24",
                          availability_zone=f"eu-west-1{'abc'[i]}") for i in range(3)]
aws.ec2.FlowLog("mysql-vpc-flow", vpc_id=vpc.id, traffic_type="REJECT", log_destination_type="s3",
                log_destination="arn:aws:s3:::central-flow-logs-example")

key = aws.kms.Key("mysql-key", description="RDS storage", enable_key_rotation=True)
sg = aws.ec2.SecurityGroup("mysql", vpc_id=vpc.id, ingress=[
    {"protocol": "tcp", "from_port": 3306, "to_port": 3306, "cidr_blocks": ["10.40.0.0/16"]}])

aws.rds.Instance(
    "catalog-db",
    engine="mysql",
    engine_version="8.0",
    instance_class="db.t3.small",
    allocated_storage=50,
    storage_encrypted=True,
    kms_key_id=key.arn,
    publicly_accessible=False,
    username="catalog",
    manage_master_user_password=True,
    db_subnet_group_name=aws.rds.SubnetGroup("mysql-subnets", subnet_ids=[s.id for s in subnets]).name,
    vpc_security_group_ids=[sg.id],
    skip_final_snapshot=True,
)
