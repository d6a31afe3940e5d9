"""The account password policy, against the CIS parameters of iam-password-policy."""
from __future__ import annotations

from ..props import UNKNOWN, number, truthy
from ..registry import resource_check

PASSWORD_POLICY = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
FLAGS = {"RequireUppercaseCharacters": "requireUppercaseCharacters",
         "RequireLowercaseCharacters": "requireLowercaseCharacters",
         "RequireSymbols": "requireSymbols", "RequireNumbers": "requireNumbers"}


@resource_check("iam-password-policy", (PASSWORD_POLICY,),
                covers=("iam.AccountPasswordPolicy against the rule's parameters (overridable in the policy config)",),
                unknown=("the account's policy when no stack declares one",))
def password_policy(props, config, kind: str = PASSWORD_POLICY):
    from ..catalog import RULES_BY_NAME
    params = {**RULES_BY_NAME["iam-password-policy"]["parameters"], **(config.get("parameters") or {})}
    problems = []
    for param, prop in FLAGS.items():
        # Config's API applies no default: an absent parameter is not checked (and only lowercase "true" counts).
        if str(params.get(param, "false")) == "true" and truthy(props.get(prop, False)) is False:
            problems.append(f"{prop} is not true")
    checks = [("MinimumPasswordLength", "minimumPasswordLength", lambda have, want: have >= want, "at least"),
              ("PasswordReusePrevention", "passwordReusePrevention", lambda have, want: have >= want, "at least"),
              ("MaxPasswordAge", "maxPasswordAge", lambda have, want: 0 < have <= want, "at most")]
    for param, prop, ok, word in checks:
        want, have = number(params.get(param)), number(props.get(prop))
        if have is UNKNOWN or want is None:
            continue
        if have is None or not ok(have, want):
            problems.append(f"{prop} is {have if have is not None else 'not set'} (expected {word} {want})")
    return [f"{'; '.join(problems)}."] if problems else []
