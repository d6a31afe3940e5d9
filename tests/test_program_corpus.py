"""The corpus of our own programs (tests/corpus, run in full by `make corpus`): its shape, and the
runner's judgement of a run against expected.json."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import corpus  # noqa: E402

PROGRAMS = sorted(p for p in (ROOT / "tests/corpus").iterdir() if (p / "Pulumi.yaml").is_file())


def test_at_least_twenty_programs_in_python_and_typescript():
    languages = [corpus.language(p) for p in PROGRAMS]
    assert len(PROGRAMS) >= 20
    assert languages.count("python") >= 8 and languages.count("typescript") >= 6
    assert languages.count("javascript") >= 1


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_each_program_states_its_verdict_and_why(program):
    expected = corpus.load_expected(program)
    assert (program / f"Pulumi.{expected.get('stack', 'corpus')}.yaml").is_file()
    mandatory = [d for d in expected["diagnostics"] if d["level"] == "mandatory"]
    assert expected["exit"] == (1 if mandatory else 0)
    for d in expected["diagnostics"]:
        assert len(d["aws"]) > 40, d  # the AWS Config semantics that make it a finding, in words
    if corpus.language(program) != "python":
        assert (program / "package-lock.json").is_file()  # npm ci needs it


def document(*diagnostics, unjudged=0):
    resources = [{"urn": f"urn:{name}", "name": name} for _, _, name in diagnostics]
    return {"resources": resources, "summary": {"unjudged": unjudged},
            "diagnostics": [{"policy": p, "enforcementLevel": level, "urn": f"urn:{name}"}
                            for p, level, name in diagnostics]}


def test_the_runner_names_every_difference():
    expected = {"exit": 1, "diagnostics": [
        {"policy": "restricted-ssh", "level": "mandatory", "resource": "sg", "aws": "..."},
        {"policy": "vpc-flow-logs-enabled", "level": "advisory", "resource": "vpc", "aws": "..."}]}
    same = document(("restricted-ssh", "mandatory", "sg"), ("vpc-flow-logs-enabled", "advisory", "vpc"))
    assert corpus.judge(expected, 1, same) == []
    other = document(("restricted-ssh", "advisory", "sg"), ("restricted-ssh", "mandatory", "sg"), unjudged=2)
    assert corpus.judge(expected, 0, other) == [
        "exit status 0, expected 1",
        "missing vpc-flow-logs-enabled (advisory) on vpc",
        "unexpected restricted-ssh (advisory) on sg",
        "2 unjudged resources, expected 0"]
    assert corpus.judge(expected, 2, None) == [
        "exit status 2, expected 1", "missing restricted-ssh (mandatory) on sg",
        "missing vpc-flow-logs-enabled (advisory) on vpc"]


def test_make_corpus_runs_a_program_and_reports_it():
    result = subprocess.run([str(ROOT / ".venv/bin/python"), str(ROOT / "tools/corpus.py"), "py-service-ports-loop"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(l for l in result.stdout.splitlines() if l.startswith("py-service-ports-loop"))
    assert line.split()[1:6] == ["python", "FAILED", "1/1", "as", "expected"] and line.endswith("ok")
    assert result.stdout.splitlines()[-1] == "every program as expected"
