import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const role = new aws.iam.Role("hello-role", {
    assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" }),
});

new aws.iam.RolePolicyAttachment("hello-basic-execution", {
    role: role.name,
    policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole,
});

const fn = new aws.lambda.Function("hello", {
    role: role.arn,
    runtime: aws.lambda.Runtime.NodeJS20dX,
    handler: "index.handler",
    timeout: 10,
    code: new pulumi.asset.AssetArchive({
        "index.js": new pulumi.asset.StringAsset(
            "exports.handler = async () => ({ statusCode: 200, body: 'hello' });",
        ),
    }),
});

new aws.cloudwatch.LogGroup("hello-logs", {
    name: pulumi.interpolate`/aws/lambda/${fn.name}`,
    retentionInDays: 14,
});

export const functionName = fn.name;
