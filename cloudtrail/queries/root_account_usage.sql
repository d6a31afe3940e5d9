-- Activity of the root user (not on behalf of a service), last 30 days.
-- cis: CIS AWS Foundations v1.4.0 4.3
-- params: none
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '30' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '30' DAY
  AND (useridentity.type = 'Root' AND useridentity.invokedby IS NULL AND eventtype <> 'AwsServiceEvent')
ORDER BY eventtime DESC, eventid
