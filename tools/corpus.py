"""`make corpus`: plan every program of tests/corpus/ with the installed gate and judge the result against
the program's ``expected.json``.

Each program directory holds a Pulumi project (Python or TypeScript/JavaScript), a stack file
(``Pulumi.<stack>.yaml``, the stack named in expected.json, default ``corpus``) and ``expected.json``::

    {"exit": 0 | 1 | 2,                      # the gate's exit status
     "unjudged": 0,                          # resources the gate could not judge (optional, default 0)
     "diagnostics": [{"policy": "...", "level": "mandatory" | "advisory", "resource": "<name>",
                      "aws": "why AWS Config's rule says so (its documented semantics)"}]}

A program passes when the exit status, the unjudged count and the multiset of (policy, level, resource
name) are exactly those expected. Prints one line per program (verdict, diagnostics judged, seconds) and a
summary; exits 1 when any program differs. Usage: ``python tools/corpus.py [NAME ...] [--show]``
(``--show`` prints every diagnostic the gate reported, to judge a new program by hand).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
VERDICTS = {0: "passed", 1: "FAILED", 2: "error"}


def language(directory: Path) -> str:
    if (directory / "__main__.py").is_file():
        return "python"
    return "typescript" if any(directory.glob("*.ts")) else "javascript"


def load_expected(directory: Path) -> dict:
    path = directory / "expected.json"
    try:
        expected = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise SystemExit(f"error: {path}: {error}")
    for i, d in enumerate(expected.get("diagnostics", [])):
        missing = {"policy", "level", "resource", "aws"} - set(d)
        if missing:
            raise SystemExit(f"error: {path}: diagnostics[{i}] lacks {', '.join(sorted(missing))}")
        if d["level"] not in ("mandatory", "advisory"):
            raise SystemExit(f"error: {path}: diagnostics[{i}].level must be mandatory or advisory")
    if expected.get("exit") not in (0, 1, 2):
        raise SystemExit(f"error: {path}: exit must be 0, 1 or 2")
    return expected


def plan(directory: Path, stack: str, timeout: float = 600.0) -> tuple[int, dict | None, str, float]:
    """(exit status, JSON document or None, stderr, seconds) of one gate run."""
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "audit_baseline", "plan", "--program", str(directory),
                             "--stack", stack, "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                            timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})
    elapsed = time.monotonic() - began
    document = json.loads(result.stdout) if result.stdout.strip() else None
    return result.returncode, document, result.stderr, elapsed


def found(document: dict | None) -> Counter:
    if not document:
        return Counter()
    names = {r["urn"]: r["name"] for r in document["resources"]}
    return Counter((d["policy"], d["enforcementLevel"], names.get(d["urn"], "(stack)"))
                   for d in document["diagnostics"])


def judge(expected: dict, status: int, document: dict | None) -> list[str]:
    """What differs between the run and the expectation (empty when the program passes)."""
    problems = []
    if status != expected["exit"]:
        problems.append(f"exit status {status}, expected {expected['exit']}")
    want = Counter((d["policy"], d["level"], d["resource"]) for d in expected.get("diagnostics", []))
    got = found(document)
    for item in sorted((want - got).elements()):
        problems.append(f"missing {item[0]} ({item[1]}) on {item[2]}")
    for item in sorted((got - want).elements()):
        problems.append(f"unexpected {item[0]} ({item[1]}) on {item[2]}")
    unjudged = (document or {}).get("summary", {}).get("unjudged", 0)
    if document is not None and unjudged != expected.get("unjudged", 0):
        problems.append(f"{unjudged} unjudged resources, expected {expected.get('unjudged', 0)}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these programs (directory names)")
    parser.add_argument("--show", action="store_true", help="print every diagnostic the gate reported")
    args = parser.parse_args(argv)
    programs = sorted(p for p in CORPUS.iterdir() if (p / "Pulumi.yaml").is_file())
    if args.names:
        unknown = sorted(set(args.names) - {p.name for p in programs})
        if unknown:
            print(f"error: no corpus program {', '.join(unknown)}", file=sys.stderr)
            return 2
        programs = [p for p in programs if p.name in args.names]
    print(f"{'program':<28} {'language':<10} {'verdict':<7} {'diagnostics judged':<19} {'seconds':>7}  result")
    failures, verdicts, total_time, judged = [], Counter(), 0.0, 0
    for directory in programs:
        expected = load_expected(directory)
        print(f"planning {directory.name} ...", file=sys.stderr, flush=True)
        status, document, stderr, seconds = plan(directory, expected.get("stack", "corpus"))
        problems = judge(expected, status, document)
        total_time += seconds
        verdicts[VERDICTS.get(status, f"exit {status}")] += 1
        want = len(expected.get("diagnostics", []))
        matched = want - sum(1 for p in problems if p.startswith("missing"))
        judged += matched
        print(f"{directory.name:<28} {language(directory):<10} {VERDICTS.get(status, status):<7} "
              f"{f'{matched}/{want} as expected':<19} {seconds:>7.1f}  {'ok' if not problems else 'DIFFERS'}",
              flush=True)
        for problem in problems:
            print(f"    - {problem}")
        if problems and status == 2:
            print("    " + "\n    ".join(stderr.strip().splitlines()[-6:]))
        if args.show and document:
            for (policy, level, name), n in sorted(found(document).items()):
                print(f"    {level:<9} {policy} on {name}" + (f" (x{n})" if n > 1 else ""))
        if problems:
            failures.append(directory.name)
    print(f"\n{len(programs)} programs ({', '.join(f'{n} {v}' for v, n in sorted(verdicts.items()))}); "
          f"{judged} diagnostics as expected; {total_time:.0f} s in all, "
          f"{total_time / max(len(programs), 1):.1f} s per program")
    if failures:
        print(f"{len(failures)} differ from expected.json: {', '.join(failures)}")
        return 1
    print("every program as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
