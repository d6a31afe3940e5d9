import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface StaticSiteArgs {
    indexContent: pulumi.Input<string>;
    tags?: Record<string, string>;
}

/** A private bucket for a site served through a CDN: nothing public, TLS only, versioned. */
export class StaticSite extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;

    constructor(name: string, args: StaticSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("acme:web:StaticSite", name, {}, opts);
        const child = { parent: this };

        const bucket = new aws.s3.Bucket(`${name}-content`, { tags: args.tags }, child);
        new aws.s3.BucketPublicAccessBlock(`${name}-content`, {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, child);
        new aws.s3.BucketVersioning(`${name}-content`, {
            bucket: bucket.id,
            versioningConfiguration: { status: "Enabled" },
        }, child);
        new aws.s3.BucketPolicy(`${name}-content`, {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                }],
            }),
        }, child);
        new aws.s3.BucketObject(`${name}-index`, {
            bucket: bucket.id,
            key: "index.html",
            content: args.indexContent,
            contentType: "text/html",
        }, child);

        this.bucketName = bucket.bucket;
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
