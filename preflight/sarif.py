"""SARIF 2.1.0 for code-scanning annotations in pull requests (GitHub code scanning reads it).

Each diagnostic points at the line that declared the resource, as the Pulumi SDK reports it: the
program's own line for a resource it declares, the component's line for a component's child. Resources
the gate could not judge (``unjudged``) are the run's warning notifications (``invocations[0]
.toolExecutionNotifications``), pointing at their line the same way.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote, urlparse

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub ranks alerts by this number (critical >= 9.0, high >= 7.0, medium >= 4.0, low > 0).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _relative(uri: str, root: Path) -> str:
    path = Path(unquote(urlparse(uri).path))
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def to_sarif(document: Mapping[str, Any], root: Path | None = None) -> dict:
    root = (root or Path(os.getcwd())).resolve()
    rules_meta = document.get("rules", {})
    used = sorted({d["policy"] for d in document["diagnostics"]})
    index = {name: i for i, name in enumerate(used)}
    sources = {r["urn"]: r.get("source") for r in document["resources"]}
    names = {r["urn"]: r for r in document["resources"]}
    rules = []
    for name in used:
        meta = rules_meta.get(name, {})
        rules.append({
            "id": name, "name": name,
            "shortDescription": {"text": meta.get("description") or name},
            "fullDescription": {"text": meta.get("description") or name},
            "help": {"text": meta.get("remediationSteps") or "", "markdown": meta.get("remediationSteps") or ""},
            **({"helpUri": meta["url"]} if meta.get("url") else {}),
            "defaultConfiguration": {"level": "error" if meta.get("enforcementLevel") == "mandatory" else "warning"},
            "properties": {"tags": ["security", *meta.get("tags", [])],
                           "security-severity": SECURITY_SEVERITY.get(meta.get("severity", ""), "5.5")},
        })
    results = []
    for d in document["diagnostics"]:
        resource = names.get(d["urn"])
        source = sources.get(d["urn"])
        location: dict = {}
        if source:
            location["physicalLocation"] = {
                "artifactLocation": {"uri": _relative(source["uri"], root), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(int(source["line"]), 1)}}
        if resource:
            location["logicalLocations"] = [{"fullyQualifiedName": d["urn"], "name": resource["name"],
                                             "kind": "resource"}]
        detail = d["message"].split("\n", 1)[-1]
        results.append({
            "ruleId": d["policy"], "ruleIndex": index[d["policy"]],
            "level": "error" if d["enforcementLevel"] == "mandatory" else "warning",
            "message": {"text": f"{resource['type'] + ' ' + resource['name'] + ': ' if resource else ''}{detail}"},
            "locations": [location] if location else [],
            "partialFingerprints": {"pulumiUrnPolicy/v1": hashlib.sha256(
                f"{d['policy']}|{d['urn']}".encode()).hexdigest()},
        })
    run_extra: dict = {}
    unjudged = document.get("unjudged") or []
    if unjudged:  # nothing judged silently: each one a warning notification of the run
        run_extra["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": [
            {"level": "warning", "descriptor": {"id": "unjudged"},
             "message": {"text": f"not judged: {u['type']} {u['urn'].rsplit('::', 1)[-1]}: {u['why']}"},
             "locations": [_location(u["urn"], names, sources, root)]}
            for u in unjudged]}]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "aws-audit-baseline preflight",
                            "version": str(document.get("pack", {}).get("version", "0")),
                            "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                            "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
        "results": results,
        **run_extra,
    }]}


def _location(urn: str, names: Mapping, sources: Mapping, root: Path) -> dict:
    location: dict = {}
    source = sources.get(urn)
    if source:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": _relative(source["uri"], root), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(int(source["line"]), 1)}}
    if urn in names:
        location["logicalLocations"] = [{"fullyQualifiedName": urn, "name": names[urn]["name"], "kind": "resource"}]
    return location
