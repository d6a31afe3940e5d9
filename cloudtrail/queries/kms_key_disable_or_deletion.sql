-- Customer keys disabled or scheduled for deletion, last 30 days.
-- cis: CIS AWS Foundations v1.4.0 4.7
-- params: none
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '30' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '30' DAY
  AND (eventsource = 'kms.amazonaws.com' AND eventname IN ('DisableKey', 'ScheduleKeyDeletion'))
ORDER BY eventtime DESC, eventid
