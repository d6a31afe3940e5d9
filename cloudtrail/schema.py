"""The CloudTrail table's columns, once: the Glue table (Hive types) and the local runner (DuckDB) both
read this list, so the two engines see the same column names and types.

Each column: (Athena name, the record's JSON key, type). Types: "string"; "json" (an object kept as JSON
text, read with json_extract_scalar, as Athena's table declares it a string); ("struct", [columns]);
("array", type); ("map", "string"). Athena's JsonSerDe matches keys without regard to case; DuckDB does
not, so the JSON key is kept beside each name.
"""
from __future__ import annotations

from typing import Any

S = "string"
J = "json"


def struct(*fields) -> tuple:
    return ("struct", list(fields))


SESSION_ISSUER = struct(("type", "type", S), ("principalid", "principalId", S), ("arn", "arn", S),
                        ("accountid", "accountId", S), ("username", "userName", S))
USER_IDENTITY = struct(
    ("type", "type", S), ("principalid", "principalId", S), ("arn", "arn", S), ("accountid", "accountId", S),
    ("invokedby", "invokedBy", S), ("accesskeyid", "accessKeyId", S), ("username", "userName", S),
    ("onbehalfof", "onBehalfOf", struct(("userid", "userId", S), ("identitystorearn", "identityStoreArn", S))),
    ("sessioncontext", "sessionContext", struct(
        ("attributes", "attributes", struct(("mfaauthenticated", "mfaAuthenticated", S),
                                            ("creationdate", "creationDate", S))),
        ("sessionissuer", "sessionIssuer", SESSION_ISSUER),
        ("ec2roledelivery", "ec2RoleDelivery", S),
        ("webidfederationdata", "webIdFederationData", struct(("federatedprovider", "federatedProvider", S),
                                                              ("attributes", "attributes", ("map", S)))),
        ("sourceidentity", "sourceIdentity", S))),
    ("identityprovider", "identityProvider", S), ("credentialid", "credentialId", S))

COLUMNS: list[tuple[str, str, Any]] = [
    ("eventversion", "eventVersion", S),
    ("useridentity", "userIdentity", USER_IDENTITY),
    ("eventtime", "eventTime", S),
    ("eventsource", "eventSource", S),
    ("eventname", "eventName", S),
    ("awsregion", "awsRegion", S),
    ("sourceipaddress", "sourceIPAddress", S),
    ("useragent", "userAgent", S),
    ("errorcode", "errorCode", S),
    ("errormessage", "errorMessage", S),
    ("requestparameters", "requestParameters", J),
    ("responseelements", "responseElements", J),
    ("additionaleventdata", "additionalEventData", J),
    ("requestid", "requestID", S),
    ("eventid", "eventID", S),
    ("resources", "resources", ("array", struct(("arn", "ARN", S), ("accountid", "accountId", S),
                                                ("type", "type", S)))),
    ("eventtype", "eventType", S),
    ("apiversion", "apiVersion", S),
    ("readonly", "readOnly", S),
    ("recipientaccountid", "recipientAccountId", S),
    ("serviceeventdetails", "serviceEventDetails", J),
    ("sharedeventid", "sharedEventID", S),
    ("vpcendpointid", "vpcEndpointId", S),
    ("vpcendpointaccountid", "vpcEndpointAccountId", S),
    ("eventcategory", "eventCategory", S),
    ("addendum", "addendum", struct(("reason", "reason", S), ("updatedfields", "updatedFields", S),
                                    ("originalrequestid", "originalRequestID", S),
                                    ("originaleventid", "originalEventID", S))),
    ("sessioncredentialfromconsole", "sessionCredentialFromConsole", S),
    ("edgedevicedetails", "edgeDeviceDetails", J),
    ("tlsdetails", "tlsDetails", struct(("tlsversion", "tlsVersion", S), ("ciphersuite", "cipherSuite", S),
                                        ("clientprovidedhostheader", "clientProvidedHostHeader", S))),
]
# Projected partitions, as the trail's key layout writes them: .../<account>/CloudTrail/<region>/<yyyy/MM/dd>/
PARTITIONS = [("account", S), ("region", S), ("date", S)]


def hive_type(t) -> str:
    if t in (S, J):
        return "string"
    kind, inner = t
    if kind == "struct":
        return "struct<" + ",".join(f"{name}:{hive_type(sub)}" for name, _key, sub in inner) + ">"
    if kind == "array":
        return f"array<{hive_type(inner)}>"
    return f"map<string,{hive_type(inner)}>"


def duckdb_read_type(t) -> str:
    """The type DuckDB reads the JSON key as (camelCase keys, objects as JSON)."""
    if t == S:
        return "VARCHAR"
    if t == J:
        return "JSON"
    kind, inner = t
    if kind == "struct":
        return "STRUCT(" + ", ".join(f'"{key}" {duckdb_read_type(sub)}' for _n, key, sub in inner) + ")"
    if kind == "array":
        return f"{duckdb_read_type(inner)}[]"
    return "MAP(VARCHAR, VARCHAR)"


def duckdb_select(expr: str, t) -> str:
    """An expression that turns what DuckDB read into the Athena column (lowercase names, JSON as text)."""
    if t == S:
        return expr
    if t == J:
        return f"CAST({expr} AS VARCHAR)"
    kind, inner = t
    if kind == "struct":
        fields = ", ".join(f"{name} := " + duckdb_select(expr + '."' + key + '"', sub) for name, key, sub in inner)
        return f"CASE WHEN {expr} IS NULL THEN NULL ELSE struct_pack({fields}) END"
    if kind == "array":
        return f"list_transform({expr}, lambda x: {duckdb_select('x', inner)})"
    return expr
