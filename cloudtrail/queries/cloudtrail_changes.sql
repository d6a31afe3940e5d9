-- Changes to CloudTrail trails and their logging, last 30 days.
-- cis: CIS AWS Foundations v1.4.0 4.5
-- params: none
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '30' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '30' DAY
  AND (eventsource = 'cloudtrail.amazonaws.com' AND eventname IN ('CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging', 'StopLogging', 'PutEventSelectors'))
ORDER BY eventtime DESC, eventid
