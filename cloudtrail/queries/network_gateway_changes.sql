-- Internet and customer gateway changes, last 30 days.
-- cis: CIS AWS Foundations v1.4.0 4.12
-- params: none
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '30' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '30' DAY
  AND (eventname IN ('CreateCustomerGateway', 'DeleteCustomerGateway', 'AttachInternetGateway', 'CreateInternetGateway', 'DeleteInternetGateway', 'DetachInternetGateway'))
ORDER BY eventtime DESC, eventid
