import pulumi
import pulumi_aws as aws

token = pulumi.Config().require_secret("apiToken")
identity = aws.get_caller_identity()
network = pulumi.StackReference("acme/network/prod")

aws.s3.Bucket("context", bucket=f"{pulumi.get_organization()}-{pulumi.get_project()}-{pulumi.get_stack()}-"
                                f"{identity.account_id}",
              tags={"dryRun": str(pulumi.runtime.is_dry_run()), "token": token,
                    "revealed": pulumi.Output.unsecret(token)})
aws.ec2.SecurityGroup("web", vpc_id=network.get_output("vpcId"),
                      ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}])
cluster = aws.ecs.get_cluster(cluster_name="shared")  # no typed answer offline: invented, and said so
