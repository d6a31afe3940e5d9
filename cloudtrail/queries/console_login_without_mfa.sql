-- Successful console sign-ins of IAM users without MFA, last 30 days.
-- cis: CIS AWS Foundations v1.4.0 4.2
-- params: none
SELECT eventtime, eventsource, eventname, awsregion, recipientaccountid, useridentity.arn AS principal, sourceipaddress, errorcode
FROM cloudtrail
WHERE date >= date_format(current_timestamp - INTERVAL '30' DAY, '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '30' DAY
  AND eventname = 'ConsoleLogin' AND json_extract_scalar(additionaleventdata, '$.MFAUsed') <> 'Yes'
  AND useridentity.type = 'IAMUser' AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success'
ORDER BY eventtime DESC, eventid
