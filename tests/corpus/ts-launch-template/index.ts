import * as aws from "@pulumi/aws";

const template = new aws.ec2.LaunchTemplate("workers", {
    imageId: "ami-0fedcba9876543210",
    instanceType: "c6i.large",
    blockDeviceMappings: [{
        deviceName: "/dev/xvda",
        ebs: { volumeSize: 40, volumeType: "gp3", encrypted: "false", deleteOnTermination: "true" },
    }],
    networkInterfaces: [{ associatePublicIpAddress: "true", deviceIndex: 0 }],
    metadataOptions: { httpTokens: "required" },
});

new aws.autoscaling.Group("workers-asg", {
    minSize: 1,
    maxSize: 4,
    availabilityZones: ["us-east-2a", "us-east-2b"],
    launchTemplate: { id: template.id, version: "$Latest" },
});

export const templateId = template.id;
