"use strict";
const aws = require("@pulumi/aws");

new aws.iam.AccountPasswordPolicy("passwords", {
    minimumPasswordLength: 8,
    requireSymbols: false,
    requireNumbers: true,
    requireUppercaseCharacters: true,
    requireLowercaseCharacters: true,
    allowUsersToChangePassword: true,
    maxPasswordAge: 0,
    passwordReusePrevention: 0,
});

const ci = new aws.iam.User("ci-deployer", { path: "/automation/" });
new aws.iam.UserPolicyAttachment("ci-deployer-readonly", {
    user: ci.name,
    policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
});

exports.ciUser = ci.name;
