"use strict";
const pulumi = require("@pulumi/pulumi");
const aws = require("@pulumi/aws");

const uploads = new aws.s3.Bucket("uploads", { forceDestroy: true });

const access = new aws.s3.BucketPublicAccessBlock("uploads", {
    bucket: uploads.id,
    blockPublicPolicy: false,
    restrictPublicBuckets: false,
    blockPublicAcls: true,
    ignorePublicAcls: true,
});

new aws.s3.BucketPolicy("uploads", {
    bucket: uploads.id,
    policy: pulumi.all([uploads.arn]).apply(([arn]) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Sid: "AnyoneMayUpload",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: ["s3:PutObject"],
            Resource: `${arn}/incoming/*`,
        }],
    })),
}, { dependsOn: [access] });

exports.uploadBucket = uploads.bucket;
