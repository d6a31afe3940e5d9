"""A stand-in for ``pulumi_awsx.ec2.Vpc``: the same wire behaviour (a component registered with
``remote=True``, built by its provider plugin's Construct), without installing pulumi-awsx and its
Docker providers. pulumi_awsx's generated class does exactly this in its ``__init__``."""
import pulumi


class Vpc(pulumi.ComponentResource):
    def __init__(self, resource_name, cidr_block=None, opts=None):
        props = {"cidrBlock": cidr_block, "vpcId": None, "subnets": None, "publicSubnetIds": None,
                 "privateSubnetIds": None, "natGateways": None}
        super().__init__("awsx:ec2:Vpc", resource_name, props, opts, remote=True)
