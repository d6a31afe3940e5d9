import * as aws from "@pulumi/aws";

// forceDestroy takes a boolean: the type checker refuses this program, so `pulumi preview` fails.
export const bucket = new aws.s3.Bucket("logs", { forceDestroy: "yes" }).bucket;
