-- Console sign-ins from addresses outside the corporate range 10.0.0.0/8, last 30 days.
-- cis: -
-- params: none
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '30' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '30' DAY
  AND (eventname = 'ConsoleLogin' AND sourceipaddress NOT LIKE '10.%')
ORDER BY eventtime DESC, eventid
