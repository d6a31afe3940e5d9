import pulumi
import pulumi_aws as aws


def open_ssh(args: pulumi.ResourceTransformArgs):
    """A resource transform: what it returns is what the engine registers (and the pack judges)."""
    return pulumi.ResourceTransformResult(
        props={**args.props, "ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22,
                                          "cidrBlocks": ["0.0.0.0/0"]}]}, opts=args.opts)


def protect_all(args: pulumi.ResourceTransformArgs):
    """A stack transform: every resource registered after it is protected."""
    return pulumi.ResourceTransformResult(props=args.props,
                                          opts=pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=True)))


pulumi.runtime.register_resource_transform(protect_all)
aws.ec2.SecurityGroup("ssh", opts=pulumi.ResourceOptions(transforms=[open_ssh]))
