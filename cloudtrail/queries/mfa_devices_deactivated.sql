-- MFA devices deactivated or deleted on users, last 30 days.
-- cis: -
-- params: none
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '30' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '30' DAY
  AND (eventsource = 'iam.amazonaws.com' AND eventname IN ('DeactivateMFADevice', 'DeleteVirtualMFADevice'))
ORDER BY eventtime DESC, eventid
