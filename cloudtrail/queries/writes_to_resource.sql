-- Every write event that touched one resource (id or ARN), last 90 days, newest first: who changed it.
-- cis: -
-- params: resource, resource
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '90' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '90' DAY
  AND readonly = 'false'
  AND (contains(transform(resources, r -> r.arn), ?) OR strpos(coalesce(requestparameters, ''), ?) > 0)
ORDER BY eventtime DESC, eventid
