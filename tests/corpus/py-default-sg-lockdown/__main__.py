"""Adopting the default security group is how teams try to close it; this one keeps the AWS default
self-referencing rules, so the group is not closed."""
import pulumi
import pulumi_aws as aws

vpc = aws.ec2.Vpc("core", cidr_block="172.20.0.0/16", tags={"Name": "core"})
logs = aws.cloudwatch.LogGroup("core-flow-logs", retention_in_days=90)
role = aws.iam.Role("core-flow-logs", assume_role_policy=aws.iam.get_policy_document(statements=[{
    "effect": "Allow", "actions": ["sts:AssumeRole"],
    "principals": [{"type": "Service", "identifiers": ["vpc-flow-logs.amazonaws.com"]}]}]).json)
aws.ec2.FlowLog("core-flow", vpc_id=vpc.id, traffic_type="ALL", log_destination=logs.arn, iam_role_arn=role.arn)

aws.ec2.DefaultSecurityGroup("core-default", vpc_id=vpc.id,
                             ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "self": True}],
                             egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}])
