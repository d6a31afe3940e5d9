// A bastion host's network: a VPC, and a security group for SSH. The ingress rule below is open to the
// whole internet, which the gate must refuse (restricted-ssh).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const config = new pulumi.Config();
const vpcCidr = config.get("vpcCidr") ?? "10.0.0.0/16";

const vpc = new aws.ec2.Vpc("bastion-vpc", {
    cidrBlock: vpcCidr,
    enableDnsHostnames: true,
    tags: { Name: `${pulumi.getStack()}-bastion` },
});

export const bastionSecurityGroup = new aws.ec2.SecurityGroup("bastion-ssh", {
    vpcId: vpc.id,
    description: "SSH to the bastion",
    ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
    egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
});

export const vpcId = vpc.id;
