"""The plan's report: JSON for machines (a contract), text for people."""
from __future__ import annotations

from typing import Any, Mapping, Sequence


def canonical_order(registrations: Sequence) -> list:
    """Parents before children, siblings by name: the same program always gives the same document,
    whatever order its registrations happened to arrive in."""
    children: dict[Any, list] = {}
    for r in registrations:
        children.setdefault(r.parent, []).append(r)
    ordered: list = []

    def visit(parent) -> None:
        for r in sorted(children.get(parent, []), key=lambda r: (r.name, r.type)):
            ordered.append(r)
            visit(r.urn)

    visit(None)
    known = {r.urn for r in registrations}
    for orphan_parent in sorted(p for p in children if p is not None and p not in known):
        visit(orphan_parent)
    return ordered


def to_json(stack: str, registrations: Sequence, diagnostics: Sequence[Mapping[str, Any]],
            remediations: Sequence[Mapping[str, Any]], pack: Mapping[str, Any],
            unjudged: Sequence[Mapping[str, Any]] = ()) -> dict:
    """The ``make -s plan FORMAT=json`` document. Keys are a contract: extend, never change.

    ``unjudged``: resources the gate could not judge, ``[{"urn", "type", "why"}]`` (remote components).
    Secret input values are printed as ``[secret]``, as the CLI prints them.
    """
    from .wire import redact
    registrations = canonical_order(registrations)
    position = {r.urn: i for i, r in enumerate(registrations)}
    diagnostics = sorted(diagnostics, key=lambda d: (position.get(d["urn"], -1), d["policy"], d["message"]))
    document = {
        "stack": stack,
        "resources": [{"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent, "custom": r.custom,
                       "inputs": redact(r.inputs), "options": r.options(), "source": r.source} for r in registrations],
        "diagnostics": list(diagnostics),
        "summary": {
            "resources": len(registrations),
            "mandatory": sum(1 for d in diagnostics if d["enforcementLevel"] == "mandatory"),
            "advisory": sum(1 for d in diagnostics if d["enforcementLevel"] == "advisory"),
            "unjudged": len(unjudged),
        },
        "pack": dict(pack),
        "unjudged": sorted((dict(u) for u in unjudged), key=lambda u: u["urn"]),
    }
    if remediations:
        document["remediations"] = list(remediations)
    return document


def to_text(document: Mapping[str, Any], strict: bool = False) -> str:
    resources = document["resources"]
    by_parent: dict[Any, list] = {}
    for r in resources:
        by_parent.setdefault(r["parent"], []).append(r)
    flagged: dict[str, list] = {}
    for d in document["diagnostics"]:
        flagged.setdefault(d["urn"], []).append(d)

    lines = [f"Stack {document['stack']}: {len(resources)} resources "
             f"(policy pack {document['pack'].get('name')} {document['pack'].get('version')})", ""]

    def walk(parent, prefix: str) -> None:
        children = sorted(by_parent.get(parent, []), key=lambda r: (r["name"], r["type"]))
        for i, r in enumerate(children):
            last = i == len(children) - 1
            marks = []
            if r["options"].get("protect"):
                marks.append("protected")
            if r["options"].get("retainOnDelete"):
                marks.append("retained")
            levels = sorted({d["enforcementLevel"] for d in flagged.get(r["urn"], [])})
            marks.extend(f"{level} violation" for level in levels)
            suffix = f"  [{', '.join(marks)}]" if marks else ""
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{r['type']}  {r['name']}{suffix}")
            walk(r["urn"], prefix + ("   " if last else "│  "))

    roots = [r for r in resources if r["parent"] is None]
    for root in roots:
        lines.append(f"{root['type']}  {root['name']}")
        walk(root["urn"], "")

    lines.append("")
    names = {r["urn"]: f"{r['type']} {r['name']}" for r in resources}
    rules = document.get("rules", {})
    by_policy: dict[str, list] = {}
    for d in document["diagnostics"]:
        by_policy.setdefault(d["policy"], []).append(d)
    order = sorted(by_policy, key=lambda p: (not any(d["enforcementLevel"] == "mandatory" for d in by_policy[p]), p))
    for policy in order:
        found = by_policy[policy]
        first = found[0]
        description = rules.get(policy, {}).get("description", "")
        lines.append(f"[{first['enforcementLevel']}, {first['severity']}] {policy}: {description}")
        for d in found:
            detail = d["message"].split("\n", 1)[1] if "\n" in d["message"] else d["message"]
            lines.append(f"  - {names.get(d['urn'], d['urn'] or 'the stack')}: {detail}")
        steps = rules.get(policy, {}).get("remediationSteps")
        if steps:
            lines.append(f"  fix: {steps}")
        lines.append("")
    for r in document.get("remediations", []):
        lines.append(f"[remediated] {r['policy']}: {names.get(r['urn'], r['urn'])}")
    if document.get("remediations"):
        lines.append("")
    for u in document.get("unjudged", []):
        lines.append(f"[unjudged] {u['type']} {u['urn'].rsplit('::', 1)[-1]}: {u['why']}")
    for i in document.get("invented", []):
        lines.append(f"[invented] data source {i['token']}: no typed answer known offline; every field was "
                     "filled with a placeholder")
    for ref in document.get("stackReferences", []):
        if ref["outputs"] == "unknown":
            lines.append(f"[unknown] stack reference {ref['name']}: its outputs are unknown (give them with "
                         "STACK_OUTPUTS)")
    if any(document.get(k) for k in ("unjudged", "invented")) or \
            any(r["outputs"] == "unknown" for r in document.get("stackReferences", [])):
        lines.append("")
    summary = document["summary"]
    unjudged = summary.get("unjudged", 0)
    verdict = "FAILED: mandatory policy violations" if summary["mandatory"] else \
        "FAILED: unjudged resources (strict)" if unjudged and strict else "passed"
    warning = (f" WARNING: {unjudged} resource{'s' if unjudged != 1 else ''} not judged "
               "(see [unjudged] above).") if unjudged else ""
    lines.append(f"Summary: {summary['resources']} resources, {summary['mandatory']} mandatory and "
                 f"{summary['advisory']} advisory diagnostics. {verdict}.{warning}")
    return "\n".join(lines) + "\n"
