import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const config = new pulumi.Config();
const siteDir = config.get("siteDir") ?? "www";

const siteBucket = new aws.s3.Bucket("site-bucket", {
    forceDestroy: true,
    tags: { site: siteDir },
});

const website = new aws.s3.BucketWebsiteConfiguration("site-website", {
    bucket: siteBucket.id,
    indexDocument: { suffix: "index.html" },
    errorDocument: { key: "error.html" },
});

const publicAccess = new aws.s3.BucketPublicAccessBlock("site-public-access", {
    bucket: siteBucket.id,
    blockPublicAcls: false,
    blockPublicPolicy: false,
    ignorePublicAcls: false,
    restrictPublicBuckets: false,
});

function publicReadPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: "*",
            Action: ["s3:GetObject"],
            Resource: [`${bucketArn}/*`],
        }],
    });
}

new aws.s3.BucketPolicy("site-policy", {
    bucket: siteBucket.id,
    policy: siteBucket.arn.apply(publicReadPolicy),
}, { dependsOn: [publicAccess] });

for (const page of ["index.html", "error.html"]) {
    new aws.s3.BucketObject(page, {
        bucket: siteBucket.id,
        key: page,
        content: `<html><body>${page}</body></html>`,
        contentType: "text/html",
    });
}

export const bucketName = siteBucket.bucket;
export const websiteUrl = website.websiteEndpoint;
