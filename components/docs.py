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


def _registered() -> dict:
    """Each mirror's registration (types read, shapes and joins covered, what stays unknown): the rule
    modules are the one source of this knowledge."""
    from audit_pack import pack  # noqa: F401  (registers the checks)
    from audit_pack.registry import RESOURCE_RULES, STACK_RULES
    return {**RESOURCE_RULES, **STACK_RULES}


def _shapes() -> dict[str, list[str]]:
    """Type tokens each mirror reads, from the registry (not a hand-kept list)."""
    return {name: sorted(rule.types) for name, rule in _registered().items()}


def coverage_section() -> str:
    """Per rule: the shapes and joins its check covers, and what stays unknown before deployment."""
    from audit_pack import catalog
    registered = _registered()
    out = []
    for rule in catalog.RULES:
        entry = registered.get(rule["name"])
        if entry is None:
            continue
        kind = "A stack policy (it joins resources)" if rule["mirror"]["kind"] == "stack" else "A resource policy"
        out.append(f"### `{rule['name']}`\n")
        out.append(f"{kind}; {rule['mirror']['enforcement']} by default.\n")
        out.extend(f"- covers: {line}" for line in entry.covers)
        out.extend(f"- unknown before deployment: {line}" for line in entry.unknown)
        out.append("")
    return "\n".join(out).rstrip()


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
    from .config_plan import placement
    return {"trail": "the trail's home region", "every": "every Config region",
            "iam": "IAM region (`globalResourcesRegion`, default home)", "home": "home region"}[placement(rule_name)]


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
                                          "coverage": coverage_section,
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

## What each policy covers, and what stays unknown

A finding the pack cannot settle before deployment (it depends on a snapshot, an AMI, a subnet or default
VPC outside the stack, or on something AWS does not document) is advisory, whatever the policy's level;
a value not known at preview gives no finding at all.

<!-- coverage:begin -->
<!-- coverage:end -->

## Rules without a mirror

<!-- unmirrored:begin -->
<!-- unmirrored:end -->

## Speed

`make bench` (or `python -m bench --pack` for the pack's rows only) measures the pack beside a one-policy
pack in the same run. All stack policies share one pass over the stack per AnalyzeStack request: only the
resources some stack policy reads are deserialized, once, and joins several policies need (the S3 bucket
views) are built once. Measured on 2 shared cores (medians):

BENCH_FIGURES
"""


# The pack's rows of `make bench`, as last measured (medians; ratios against the floor of the same run).
PACK_BENCH_FIGURES = """\
| row (`make bench PACK_ONLY=1`, 2026-11-30) | ours | floor | ratio | before (issue 13) |
|---|---|---|---|---|
| AnalyzeStack, 5,000 resources | 0.584 s | 0.500 s | 1.17x | 14.9x |
| peak resident memory after 10k resources | 104.1 MB | 102.6 MB | 1.01x | 1.74x |
| Analyze, 10k resources vs 1k | 7.81 s | 0.79 s | 9.92x | 11.9x (single runs then) |
| Analyze per resource, 2,000 sequential | 481 us | 551 us | 0.87x (AWSGuard 1,027 us: ours 2.1x faster) | – |

The "before" figures are the issue's, from one run of the earlier bench; the rows now take medians of
interleaved runs of ours and the floor."""


def pack_readme() -> str:
    return render_readme(PACK_README_HEAD.replace("BENCH_FIGURES", PACK_BENCH_FIGURES))


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
