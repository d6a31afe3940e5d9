"""`pipx install .` gives a working `audit-baseline` that plans a program from any directory, with the
pack that travels in the package.

The install is the slow part (pipx itself, then the package in a virtualenv of its own: 1-2 min with a
warm pip cache on a loaded machine): it runs once per test session; the tests carry the `install` marker: `make test-install` runs them (CI does, after
`make test`, which leaves them out).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.install

LAB = ROOT / "examples/public-bucket-lab"


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """pipx (in a virtualenv of its own) installs this repository from its source tree, as a user does;
    returns the bin/ of the virtualenv pipx made for it (``audit-baseline`` and its ``python``)."""
    root = tmp_path_factory.mktemp("install")
    tool = root / "pipx-tool"
    subprocess.run([sys.executable, "-m", "venv", str(tool)], check=True, timeout=120)
    result = subprocess.run([str(tool / "bin/python"), "-m", "pip", "install", "--quiet", "pipx>=1.4,<2"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PIPX_HOME=str(root / "pipx"), PIPX_BIN_DIR=str(root / "bin"), PIPX_MAN_DIR=str(root / "man"))
    result = subprocess.run([str(tool / "bin/pipx"), "install", str(ROOT)], capture_output=True, text=True,
                            timeout=900, env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert (root / "bin" / "audit-baseline").exists()  # the command pipx exposes on the user's PATH
    return root / "pipx" / "venvs" / "aws-audit-baseline" / "bin"


def run(bin_dir, *args, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(["audit-baseline", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_installed_command_plans_the_lab_from_another_directory(installed, tmp_path):
    result = run(installed, "plan", "--program", str(LAB), "--stack", "lab", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    names = {r["urn"]: r["name"] for r in document["resources"]}
    assert sorted((d["policy"], d["enforcementLevel"], names[d["urn"]]) for d in document["diagnostics"]) == [
        ("ec2-instance-no-public-ip", "advisory", "lab-server"),
        ("encrypted-volumes", "mandatory", "lab-server"),
        ("restricted-ssh", "mandatory", "lab-admin"),
        ("s3-bucket-public-read-prohibited", "mandatory", "lab-website"),
        ("s3-bucket-ssl-requests-only", "advisory", "lab-website"),
    ]
    assert document["summary"] == {"resources": 7, "mandatory": 3, "advisory": 2, "unjudged": 0}
    assert document["pack"]["name"] == "aws-audit-baseline"
    # The code that ran is the installed copy, not the checkout's.
    where = subprocess.run([str(installed / "python"), "-c", "import preflight, audit_baseline.locations as l;"
                            "print(preflight.__file__); print(l.default_pack()); print(l.in_checkout())"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split("\n")
    site = str(installed.parent / "lib")
    assert where[0].startswith(site) and where[1].startswith(site) and where[2] == "False"
    assert (installed.parent.joinpath(where[1]) / "PulumiPolicy.yaml").is_file()


def test_installed_command_finds_the_project_holding_the_current_directory(installed):
    """Without --program, the installed command plans the project the current directory belongs to,
    as `pulumi preview` does; the text report is the same as `make plan`'s."""
    result = run(installed, "plan", "--stack", "lab", cwd=LAB)
    assert result.returncode == 1, result.stderr
    through_make = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "plan",
                                   f"PROGRAM={LAB}", "STACK=lab"], capture_output=True, text=True, timeout=300,
                                  env={k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS")})
    assert result.stdout == through_make.stdout
    assert result.stdout.endswith("Summary: 7 resources, 3 mandatory and 2 advisory diagnostics. "
                                  "FAILED: mandatory policy violations.\n")
    nowhere = run(installed, "plan", cwd="/")
    assert (nowhere.returncode, nowhere.stdout) == (2, "")
    assert nowhere.stderr == "error: no Pulumi.yaml in / or a parent directory; give --program <project directory>\n"


def test_installed_query_and_verify_answer(installed, tmp_path):
    listed = run(installed, "query", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[0] == "calls_from_ip"
    missing = run(installed, "verify", "--logs", str(tmp_path), "--keys", str(tmp_path / "keys.json"), cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (2, f"error: KEYS: {tmp_path / 'keys.json'} does not exist\n")
