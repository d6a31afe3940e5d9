"""The `audit-baseline` command from a checkout: its commands, their options (the make targets'), and
where it finds the pack and the program."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from .conftest import ROOT


def cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "audit_baseline", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def options(help_text: str) -> set[str]:
    """The options an argparse help text declares (not those its descriptions mention)."""
    return set(re.findall(r"^  (?:-\w, )?(--[a-z][a-z-]*)", help_text, re.M)) - {"--help"}


def passed(recipe: str) -> set[str]:
    return set(re.findall(r" (--[a-z][a-z-]*)", recipe))


def test_commands_are_listed_and_an_unknown_one_is_a_usage_error():
    listed = cli("--help")
    assert listed.returncode == 0
    assert re.findall(r"^  (\w+) ", listed.stdout, re.M) == ["plan", "query", "verify"]
    wrong = cli("plna")
    assert (wrong.returncode, wrong.stdout) == (2, "")
    assert wrong.stderr == ("audit-baseline: error: unknown command 'plna'; did you mean 'plan'? "
                            "(commands: plan, query, verify)\n")
    bare = cli()
    assert bare.returncode == 2 and bare.stderr.startswith("usage: audit-baseline <command>")


@pytest.mark.parametrize("command, expected", [
    ("plan", {"--program", "--stack", "--format", "--policy-config", "--pack", "--account", "--state",
              "--timeout", "--strict", "--stack-outputs"}),
    ("query", {"--query", "--sql", "--sql-file", "--logs", "--no-cache", "--as-of", "--params", "--format"}),
    ("verify", {"--logs", "--keys", "--signatures", "--from", "--to", "--format"}),
])
def test_each_command_takes_the_options_its_make_target_passes(command, expected):
    result = cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: audit-baseline {command} ")
    assert options(result.stdout) == expected
    # Every option the make target passes is one the command takes (the Makefile calls the same code).
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(rf"^{command}: .*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert f"-m audit_baseline {command} " in recipe
    assert passed(recipe) <= expected


def test_plan_from_the_checkout_defaults_to_its_own_program_and_pack(tmp_path):
    """Outside the repository's directory, a checkout's command still plans the baseline's dev stack."""
    result = cli("plan", "--format", "json", "--stack", "nope", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"error: no stack 'nope': Pulumi.nope.yaml not found in {ROOT} (stacks: audit, delegated-admin, dev, log-archive, management, member)\n"


def test_installed_defaults(tmp_path, monkeypatch):
    """Installed (no checkout around the package): the pack shipped inside the package, and the Pulumi
    project that holds the current directory, found upwards as the Pulumi CLI finds it."""
    from audit_baseline import locations
    monkeypatch.setattr(locations, "in_checkout", lambda: False)
    assert locations.default_pack() == ROOT / "audit_baseline" / "policies"
    project = tmp_path / "infra"
    (project / "src" / "deep").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: infra\nruntime: python\n")
    assert locations.default_program(project / "src" / "deep") == project
    assert locations.default_program(tmp_path) == tmp_path  # none above: the plan says so
    monkeypatch.setattr(locations, "in_checkout", lambda: True)
    assert locations.default_pack() == ROOT / "policies" and locations.default_program(tmp_path) == ROOT


def test_installed_plan_without_a_project_names_the_option():
    from audit_baseline import locations
    from preflight.__main__ import main
    here = os.getcwd()
    original = locations.in_checkout
    try:
        locations.in_checkout = lambda: False
        os.chdir("/")
        assert main(["--format", "json"]) == 2
    finally:
        locations.in_checkout = original
        os.chdir(here)


def test_pyproject_ships_the_pack_entry_files():
    """The installed pack is policies/ itself: PulumiPolicy.yaml and __main__.py beside the rules."""
    import tomllib
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = meta["tool"]["setuptools"]
    assert setuptools["package-dir"]["audit_baseline.policies"] == "policies"
    assert "PulumiPolicy.yaml" in setuptools["package-data"]["audit_baseline.policies"]
    assert meta["project"]["scripts"] == {"audit-baseline": "audit_baseline.cli:main"}
    assert {"audit_baseline", "audit_baseline.policies", "common", "preflight", "investigate",
            "integrity"} <= set(setuptools["packages"])


# Modules the installed packages import that are not the standard library's, and the distribution the
# package's dependencies provide them through (grpc and protobuf come with pulumi).
PROVIDED_BY = {"yaml": "pyyaml", "pulumi": "pulumi", "pulumi_aws": "pulumi-aws", "pulumi_policy": "pulumi-policy",
               "duckdb": "duckdb", "sqlglot": "sqlglot", "cryptography": "cryptography",
               "jsonschema": "jsonschema", "pydantic": "pydantic", "pydantic_core": "pydantic", "numpy": "numpy",
               "grpc": "pulumi", "google": "pulumi"}


def test_every_third_party_import_of_the_installed_packages_is_a_declared_dependency():
    """`pip install .` installs only pyproject's dependencies: an import of anything else would fail only
    once installed (as pydantic did), so the imports are checked against them here."""
    import ast
    import tomllib
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0].lower() for d in meta["project"]["dependencies"]}
    setuptools = meta["tool"]["setuptools"]
    ours = {name.split(".")[0] for name in setuptools["packages"]}
    directories = [ROOT / setuptools["package-dir"].get(name, name.replace(".", "/")) for name in setuptools["packages"]]
    imported = {}
    for directory in directories:
        for path in directory.glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in ours and top != "__future__":
                        imported.setdefault(top, path.relative_to(ROOT).as_posix())
    unknown = {m: where for m, where in imported.items() if m not in PROVIDED_BY}
    assert unknown == {}, f"imports with no known distribution: {unknown}"
    missing = {m: where for m, where in imported.items() if PROVIDED_BY[m] not in declared}
    assert missing == {}, f"imports whose distribution pyproject does not declare: {missing}"


def test_a_reader_that_goes_away_ends_the_output_without_a_traceback():
    """`make query ... | head -1`: the command stops quietly (status 1, Python's documented way), no
    BrokenPipeError traceback."""
    process = subprocess.Popen([sys.executable, "-m", "audit_baseline", "query", "--query", "calls_from_ip",
                                "--params", "ip_address=192.168.10.20", "--logs", str(ROOT / "tests/data/cloudtrail"),
                                "--as-of", "2023-07-11T00:00:00Z", "--format", "csv", "--no-cache"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()  # what `head -1` does after its line
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 1
    assert first.startswith(b"eventtime,eventsource,eventname,")
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
