import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const current = aws.getCallerIdentityOutput();
const partition = aws.getPartitionOutput();

const keyPolicy = aws.iam.getPolicyDocumentOutput({
    statements: [{
        sid: "AccountAdministers",
        effect: "Allow",
        principals: [{
            type: "AWS",
            identifiers: [pulumi.interpolate`arn:${partition.partition}:iam::${current.accountId}:root`],
        }],
        actions: ["kms:*"],
        resources: ["*"],
    }],
});

const key = new aws.kms.Key("archive", {
    description: "archive encryption",
    enableKeyRotation: true,
    policy: keyPolicy.json,
});

const archive = new aws.s3.Bucket("archive");
new aws.s3.BucketPublicAccessBlock("archive", {
    bucket: archive.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
});
new aws.s3.BucketServerSideEncryptionConfiguration("archive", {
    bucket: archive.id,
    rules: [{
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
        bucketKeyEnabled: true,
    }],
});

export const keyArn = key.arn;
export const bucket = archive.bucket;
