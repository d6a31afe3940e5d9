"""Documentation generated from code: the README's tables come from here (`make docs`).

Each table sits in README.md between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``; a test
fails when the README and the code disagree.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Callable

from .settings import FIELDS, NAMESPACE


def _default(value) -> str:
    if value in ((), {}, "", None):
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return str(value)


def settings_table() -> str:
    rows = ["| key | default | allowed | what it does |", "|---|---|---|---|",
            "| `aws:region` | – | an AWS region | Home region: the trail, the key and the buckets live here. |"]
    for f in FIELDS:
        rows.append(f"| `{f.key}` | {_default(f.default)} | {f.allowed} | {f.doc} |")
    return "\n".join(rows)


def limits_table() -> str:
    from . import limits
    rows = ["| AWS limit | at most | settings it bounds | where AWS states it |", "|---|---|---|---|"]
    rows += [f"| {lim.name} | {lim.value:,} {lim.unit} | {', '.join(f'`{k}`' for k in lim.keys.split(', '))} | "
             f"{lim.source} |" for lim in limits.LIMITS]
    return "\n".join(rows)


def _shapes() -> dict[str, list[str]]:
    """Type tokens each mirror reads, from the registry and the remediations (not a hand-kept list)."""
    from audit_pack import pack  # noqa: F401  (registers the checks)
    from audit_pack.registry import RESOURCE_RULES
    from audit_pack.rules import ec2, s3

    shapes = {name: sorted(rule.types) for name, rule in RESOURCE_RULES.items()}
    s3_shapes = sorted(s3.BUCKETS | s3.POLICY | s3.ACL | s3.PAB | s3.OWNERSHIP | {s3.ACCOUNT_PAB})
    shapes.update({
        "s3-bucket-public-read-prohibited": s3_shapes, "s3-bucket-public-write-prohibited": s3_shapes,
        "s3-bucket-ssl-requests-only": sorted(s3.BUCKETS | s3.POLICY),
        "encrypted-volumes": sorted({ec2.INSTANCE, ec2.LAUNCH_TEMPLATE, ec2.VOLUME, ec2.VOLUME_ATTACHMENT,
                                     ec2.EBS_DEFAULT}),
        "vpc-flow-logs-enabled": sorted({ec2.VPC, ec2.FLOW_LOG}),
    })
    return shapes


def _token(t: str) -> str:
    """``aws:s3/bucketAcl:BucketAcl`` -> ``s3.BucketAcl``."""
    module = t.split(":")[1].split("/")[0]
    return f"{module}.{t.split(':')[-1]}"


def rules_table() -> str:
    from audit_pack import catalog
    shapes = _shapes()
    rows = ["| rule (= policy) | level | severity | checks before deployment | shapes | remediation | controls |",
            "|---|---|---|---|---|---|---|"]
    for rule in catalog.RULES:
        mirror = rule["mirror"]
        if mirror["kind"] == "none":
            continue
        remediation = rule["remediation"]
        fix = "–"
        if remediation:
            fix = f"`{remediation['document']}` ({'automatic' if remediation['automatic'] else 'on request'})"
            if remediation.get("deploy_time"):
                fix += f"; deploy-time: `{remediation['deploy_time']}`"
        controls = ", ".join(c.replace("CIS AWS Foundations v5.0.0", "CIS 5.0.0").replace("NIST 800-53 rev5 ", "")
                             for c in rule["controls"]) or "–"
        rows.append(f"| `{rule['name']}` | {mirror['enforcement']} | {rule['severity']} | {rule['description']} | "
                    f"{', '.join(_token(t) for t in shapes.get(rule['name'], []))} | {fix} | {controls} |")
    return "\n".join(rows)


def unmirrored_table() -> str:
    from audit_pack import catalog
    rows = ["| rule | why no check can run before deployment |", "|---|---|"]
    rows += [f"| `{r['name']}` | {r['mirror']['reason']} |" for r in catalog.RULES if r["mirror"]["kind"] == "none"]
    return "\n".join(rows)


def _where(rule_name: str) -> str:
    from .config_plan import is_cloudtrail_rule, is_iam_rule
    from audit_pack import catalog
    if is_cloudtrail_rule(rule_name):
        return "the trail's home region"
    if catalog.RULES_BY_NAME[rule_name]["placement"] == "every-region":
        return "every Config region"
    return "IAM region (`globalResourcesRegion`, default home)" if is_iam_rule(rule_name) else "home region"


def config_rules_table() -> str:
    from audit_pack import catalog
    rows = ["| rule | identifier | trigger | where | parameters | remediation |", "|---|---|---|---|---|---|"]
    for r in catalog.RULES:
        trigger = " + ".join(t for t in (("changes" if r["trigger"]["changes"] else ""),
                                         (f"periodic ({r['trigger']['periodic']})" if r["trigger"]["periodic"] else ""))
                             if t)
        where = _where(r["name"])
        group = "baseline" if r["baseline"] else "CIS pack"
        params = ", ".join(f"{k}={v}" for k, v in r["parameters"].items()) or "–"
        fix = "–"
        if r["remediation"]:
            fix = f"`{r['remediation']['document']}`, {'automatic' if r['remediation']['automatic'] else 'on request'}"
        rows.append(f"| `{r['name']}` ({group}) | `{r['identifier']}` | {trigger} | {where} | {params} | {fix} |")
    return "\n".join(rows)


def queries_table() -> str:
    from cloudtrail.query_library import saved_queries
    rows = ["| query | what it finds | CIS control | parameters |", "|---|---|---|---|"]
    for q in saved_queries().values():
        params = ", ".join(dict.fromkeys(q.params)) or "–"
        rows.append(f"| `{q.name}` | {q.description} | {q.cis if q.cis != '-' else '–'} | {params} |")
    return "\n".join(rows)


def detections_table() -> str:
    from cloudtrail.detections import DETECTIONS
    rows = ["| detection | CIS control | CloudWatch Logs filter | saved query |", "|---|---|---|---|"]
    for d in DETECTIONS:
        rows.append(f"| `{d.name}` | {d.cis} | `{d.pattern}` | `{d.query}` |")
    return "\n".join(rows)


SECTIONS: dict[str, Callable[[], str]] = {"detections": detections_table, "settings": settings_table, "rules": rules_table,
                                          "unmirrored": unmirrored_table, "config-rules": config_rules_table,
                                          "queries": queries_table, "limits": limits_table}

PACK_README_HEAD = """# aws-audit-baseline policy pack

A CrossGuard policy pack that mirrors the AWS Config rules of the AWS audit baseline, so that what
Config would flag after `pulumi up` is caught at `pulumi preview`, in any stack. This file is
generated from the rule catalog (`audit_pack/catalog.py`) by `make docs`; do not edit it by hand.

```sh
pulumi preview --policy-pack <this folder>                       # any stack, locally
pulumi policy publish <org>                                       # then add it to a policy group
pulumi preview --policy-pack <this folder> --policy-pack-config config.example.json
```

Every policy's name is the Config rule's name. Values not known before deployment never produce a
violation, and a policy never raises. Each policy takes `exemptions` (by resource `name` glob or
`tag`, each with a `reason`) besides the settings below; `config.example.json` shows them.

## Policies

<!-- rules:begin -->
<!-- rules:end -->

Remediation-only policy: `disable-s3-bucket-public-read-write` (disabled by default) mirrors
`AWS-DisableS3BucketPublicReadWrite` at deployment when set to `remediate`: it turns on every flag of
bucket public access blocks and makes public ACLs private. The S3 verdicts are stack policies (they
join a bucket's resources), and the engine never remediates through a stack policy.

## Rules without a mirror

<!-- unmirrored:begin -->
<!-- unmirrored:end -->
"""


def pack_readme() -> str:
    return render_readme(PACK_README_HEAD)


def render_readme(text: str) -> str:
    for name, build in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:begin -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            continue
        text = pattern.sub(lambda m: m.group(1) + build() + "\n" + m.group(2), text)
    return text


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    readme = root / "README.md"
    readme.write_text(render_readme(readme.read_text()))
    (root / "policies" / "README.md").write_text(pack_readme())
    print(f"updated README.md and policies/README.md (namespace {NAMESPACE})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
