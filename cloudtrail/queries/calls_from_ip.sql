-- Every call made from one IP address, last 90 days, newest first.
-- cis: -
-- params: ip_address
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '90' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '90' DAY
  AND sourceipaddress = ?
ORDER BY eventtime DESC, eventid
