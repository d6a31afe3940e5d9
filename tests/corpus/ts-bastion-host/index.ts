import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const config = new pulumi.Config();
const sshCidr = config.require("sshCidr");

const vpc = new aws.ec2.Vpc("ops-vpc", { cidrBlock: "10.50.0.0/16", enableDnsHostnames: true });
const igw = new aws.ec2.InternetGateway("ops-igw", { vpcId: vpc.id });
const publicSubnet = new aws.ec2.Subnet("ops-public", {
    vpcId: vpc.id,
    cidrBlock: "10.50.1.0/24",
    mapPublicIpOnLaunch: true,
});
const routes = new aws.ec2.RouteTable("ops-public-routes", {
    vpcId: vpc.id,
    routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
});
new aws.ec2.RouteTableAssociation("ops-public-routes", { subnetId: publicSubnet.id, routeTableId: routes.id });

const bastionSg = new aws.ec2.SecurityGroup("bastion-ssh", {
    vpcId: vpc.id,
    ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [sshCidr] }],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
});

const ami = aws.ec2.getAmiOutput({
    mostRecent: true,
    owners: ["amazon"],
    filters: [{ name: "name", values: ["al2023-ami-*-arm64"] }],
});

const bastion = new aws.ec2.Instance("bastion", {
    ami: ami.id,
    instanceType: "t4g.nano",
    subnetId: publicSubnet.id,
    vpcSecurityGroupIds: [bastionSg.id],
    associatePublicIpAddress: true,
    keyName: "ops",
});

export const bastionIp = bastion.publicIp;
