"use strict";
// A static website bucket, opened to everyone with the public-read canned ACL: the gate must refuse it
// (s3-bucket-public-read-prohibited).
const pulumi = require("@pulumi/pulumi");
const aws = require("@pulumi/aws");

const site = new aws.s3.Bucket("site", {
    tags: { project: pulumi.getProject() },
});

const ownership = new aws.s3.BucketOwnershipControls("site-ownership", {
    bucket: site.id,
    rule: { objectOwnership: "BucketOwnerPreferred" },
});

new aws.s3.BucketAcl("site-acl", {
    bucket: site.id,
    acl: "public-read",
}, { dependsOn: [ownership] });

exports.bucketName = site.bucket;
