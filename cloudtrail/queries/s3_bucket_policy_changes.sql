-- Changes to bucket policies, ACLs, public access blocks, CORS, lifecycle and replication, last 30 days.
-- cis: CIS AWS Foundations v1.4.0 4.8
-- params: none
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '30' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '30' DAY
  AND (eventsource = 's3.amazonaws.com' AND eventname IN ('PutBucketAcl', 'PutBucketPolicy', 'PutBucketCors', 'PutBucketLifecycle', 'PutBucketReplication', 'DeleteBucketPolicy', 'DeleteBucketCors', 'DeleteBucketLifecycle', 'DeleteBucketReplication', 'PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock'))
ORDER BY eventtime DESC, eventid
