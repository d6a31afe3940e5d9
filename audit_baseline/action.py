"""What the GitHub Action (``action.yml`` at the repository's root) runs: one offline plan, its reports
and its step outputs.

Inputs arrive as environment variables (a composite action passes them through ``env:``, which keeps
them out of the shell's source): ``AUDIT_BASELINE_PROGRAM``, ``_STACK``, ``_POLICY_CONFIG``, ``_FORMAT``
(text, json or sarif: the report printed to the job's log), ``_STRICT`` (true: as ``plan --strict``,
resources the gate could not judge fail it too) and ``_REPORTS`` (the folder the reports are written
to). The plan runs once, as
``audit-baseline plan --format json``; the SARIF file for code scanning and the log's report are made
from that one document, so they cannot disagree.

Step outputs (GitHub's ``$GITHUB_OUTPUT`` file, ``name=value`` lines; see "Setting an output parameter"
in GitHub's workflow commands documentation): ``resources``, ``mandatory``, ``advisory`` (the JSON
summary's counts, and ``unjudged``), ``status`` (the plan's exit status: 0 passed, 1 failed, 2 could not
plan), ``report`` (the JSON file) and
``sarif-file``. A job summary table goes to ``$GITHUB_STEP_SUMMARY`` when that is set.

Exit status: always 0 once the inputs are understood (the Action's last step fails the job on
``status``, after the SARIF upload has run); 2 on an input it cannot use.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Mapping, Optional

FORMATS = ("text", "json", "sarif")
COUNTS = ("resources", "mandatory", "advisory", "unjudged")


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError(f"input {name}: {value!r} is not true or false")


def run(env: Mapping[str, str], stdout=sys.stdout, stderr=sys.stderr) -> int:
    program = env.get("AUDIT_BASELINE_PROGRAM") or "."
    stack = env.get("AUDIT_BASELINE_STACK") or "dev"
    policy_config = env.get("AUDIT_BASELINE_POLICY_CONFIG") or None
    fmt = env.get("AUDIT_BASELINE_FORMAT") or "text"
    reports = Path(env.get("AUDIT_BASELINE_REPORTS") or env.get("RUNNER_TEMP") or ".") / "audit-baseline"
    try:
        strict = _flag("strict", env.get("AUDIT_BASELINE_STRICT") or "false")
        if fmt not in FORMATS:
            raise ValueError(f"input format: {fmt!r} is not one of {', '.join(FORMATS)}")
    except ValueError as error:
        print(f"error: {error}", file=stderr)
        return 2

    from preflight.__main__ import main as plan_main
    argv = ["--program", program, "--stack", stack, "--format", "json"]
    if policy_config:
        argv += ["--policy-config", policy_config]
    if strict:
        argv.append("--strict")
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        planned = plan_main(argv, prog="audit-baseline plan")
    reports.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, str] = {"report": "", "sarif-file": ""}
    if planned == 2:  # the plan already said why on stderr
        outputs.update({name: "" for name in COUNTS}, status="2")
        _write_outputs(env, outputs)
        return 0

    document = json.loads(captured.getvalue())
    from preflight.report import to_text
    from preflight.sarif import to_sarif
    report, sarif_file = reports / "plan.json", reports / "plan.sarif"
    report.write_text(json.dumps(document, indent=2) + "\n")
    sarif = to_sarif(document)
    sarif_file.write_text(json.dumps(sarif, indent=2) + "\n")
    if fmt == "json":
        stdout.write(json.dumps(document, indent=2) + "\n")
    elif fmt == "sarif":
        stdout.write(json.dumps(sarif, indent=2) + "\n")
    else:
        stdout.write(to_text(document, strict=strict))
    summary, status = document["summary"], planned
    outputs.update({name: str(summary.get(name, 0)) for name in COUNTS}, status=str(status),
                   report=str(report), **{"sarif-file": str(sarif_file)})
    _write_outputs(env, outputs)
    _write_job_summary(env, stack, summary, status, strict)
    return 0


def _write_outputs(env: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    path: Optional[str] = env.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in outputs.items():
            handle.write(f"{name}={value}\n")


def _write_job_summary(env: Mapping[str, str], stack: str, summary: Mapping[str, int], status: int,
                       strict: bool) -> None:
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    verdict = "failed" if status else "passed"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"### Offline plan of stack `{stack}`: {verdict}{' (strict)' if strict else ''}\n\n"
                     "| resources | mandatory | advisory | unjudged |\n|---|---|---|---|\n"
                     f"| {summary['resources']} | {summary['mandatory']} | {summary['advisory']} "
                     f"| {summary.get('unjudged', 0)} |\n")


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")  # as `python -m preflight` starts
    sys.exit(run(os.environ))
