import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const config = new pulumi.Config();
const password = config.getSecret("dbPassword") ?? pulumi.secret("not-a-real-password-1");

const defaultVpc = aws.ec2.getVpcOutput({ default: true });

const dbSg = new aws.ec2.SecurityGroup("reporting-db", {
    vpcId: defaultVpc.id,
    description: "vendor BI tool",
    ingress: [{ protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["0.0.0.0/0"] }],
});

export const db = new aws.rds.Instance("reporting", {
    engine: "mysql",
    engineVersion: "8.0",
    instanceClass: aws.rds.InstanceType.T3_Micro,
    allocatedStorage: 20,
    storageEncrypted: false,
    username: "reporting",
    password,
    vpcSecurityGroupIds: [dbSg.id],
    skipFinalSnapshot: true,
}).endpoint;
