import { StaticSite } from "./staticSite";

const docs = new StaticSite("docs", { indexContent: "<h1>docs</h1>", tags: { team: "platform" } });
const status = new StaticSite("status", { indexContent: "<h1>all good</h1>" });

export const docsBucket = docs.bucketName;
export const statusBucket = status.bucketName;
