"use strict";
const aws = require("@pulumi/aws");

new aws.s3.Bucket("logs");
// Ends the process before the Pulumi runtime has sent (and the engine judged) anything else: a run
// that does not complete must never pass the gate, whatever its exit status.
process.exit(0);
