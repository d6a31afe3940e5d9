"""IAM policy documents as plain data.

Statements are dicts whose values may be Pulumi Outputs; ``render`` resolves them into one JSON
document. Keeping statements as data lets several components contribute to the single policy
that a bucket, key or topic may have, and lets tests assert each statement exactly.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

import pulumi

Statement = Mapping[str, Any]
# A contribution to a resource's one policy: given the resource's ARN, the statements to add.
StatementSource = Callable[[pulumi.Output], Sequence[Statement]]


def render(statements: Iterable[Statement]) -> pulumi.Output:
    """One policy document (JSON text) from statements that may hold Outputs."""
    statements = list(statements)
    sids = [s.get("Sid") for s in statements]
    duplicated = sorted({sid for sid in sids if sid and sids.count(sid) > 1})
    if duplicated:
        raise ValueError(f"duplicate statement ids in one policy: {', '.join(duplicated)}")
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})


def service(name: str) -> dict:
    return {"Service": name}


def allow(sid: str, principal: Mapping[str, Any], actions: str | Sequence[str], resources: Any,
          condition: Mapping[str, Any] | None = None) -> dict:
    statement = {"Sid": sid, "Effect": "Allow", "Principal": dict(principal),
                 "Action": actions if isinstance(actions, str) else list(actions), "Resource": resources}
    if condition:
        statement["Condition"] = dict(condition)
    return statement


def statement(sid: str, actions: str | Sequence[str], resources: Any,
              condition: Mapping[str, Any] | None = None) -> dict:
    """An identity-policy Allow statement (no principal)."""
    out = {"Sid": sid, "Effect": "Allow", "Action": actions if isinstance(actions, str) else list(actions),
           "Resource": resources}
    if condition:
        out["Condition"] = dict(condition)
    return out


def deny_insecure_transport(bucket_arn: Any) -> dict:
    """Refuse every request to the bucket that is not made over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def deny_insecure_publish(topic_arn: Any) -> dict:
    """Refuse every publish to the topic that is not made over TLS."""
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "SNS:Publish",
            "Resource": topic_arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def assume_role_policy(service_name: str, condition: Mapping[str, Any]) -> pulumi.Output:
    """Trust policy for a service role, with a confused-deputy condition."""
    return render([{
        "Effect": "Allow",
        "Principal": service(service_name),
        "Action": "sts:AssumeRole",
        "Condition": dict(condition),
    }])
