import * as aws from "@pulumi/aws";

const vpc = aws.ec2.getVpcOutput({ default: true });

const admin = new aws.ec2.SecurityGroup("admin", {
    vpcId: vpc.id,
    description: "administration",
});

const rules: Array<[string, number, { cidrIpv4?: string; cidrIpv6?: string }]> = [
    ["ssh-v4", 22, { cidrIpv4: "0.0.0.0/0" }],
    ["rdp-v6", 3389, { cidrIpv6: "::/0" }],
    ["https-office", 443, { cidrIpv4: "192.0.2.0/24" }],
];

for (const [name, port, source] of rules) {
    new aws.vpc.SecurityGroupIngressRule(name, {
        securityGroupId: admin.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        ...source,
    });
}

new aws.vpc.SecurityGroupEgressRule("all-out", {
    securityGroupId: admin.id,
    ipProtocol: "-1",
    cidrIpv4: "0.0.0.0/0",
});

export const securityGroupId = admin.id;
