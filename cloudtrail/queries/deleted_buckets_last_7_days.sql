-- S3 buckets deleted in the last 7 days, and by whom.
-- cis: -
-- params: none
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '7' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '7' DAY
  AND (eventsource = 's3.amazonaws.com' AND eventname = 'DeleteBucket')
ORDER BY eventtime DESC, eventid
