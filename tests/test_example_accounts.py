"""Issue 12: each example account description, planned offline with the stack meant for it and with the dev
stack (which creates a recorder): either a clean plan that creates nothing the account already has, or
exit 2 at preview naming the one setting to change (`audit-baseline:recorder`)."""
from __future__ import annotations

import json
import subprocess

import pytest

from .conftest import ROOT

PYTHON = str(ROOT / ".venv" / "bin" / "python")
ACCOUNTS = ROOT / "examples" / "accounts"
CONFIG_TYPES = ("aws:cfg/recorder:Recorder", "aws:cfg/deliveryChannel:DeliveryChannel")
SLR = "aws:iam/serviceLinkedRole:ServiceLinkedRole"


def plan(stack: str, account: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "preflight", "--stack", stack, "--format", "json", "--account",
                           str(ACCOUNTS / f"{account}.json")], cwd=ROOT, capture_output=True, text=True, timeout=300)


def planned_types(result) -> list[str]:
    return sorted(r["type"] for r in json.loads(result.stdout)["resources"] if r["type"] in (*CONFIG_TYPES, SLR))


@pytest.mark.parametrize("stack, account, creates", [
    # a fresh account: the dev stack creates the recorder, channel and Config's service-linked role
    ("dev", "fresh", sorted([*CONFIG_TYPES, SLR])),
    # the management account of the example has never run Config: same as fresh
    ("dev", "management-account", sorted([*CONFIG_TYPES, SLR])),
    # accounts that already record use the stacks with `recorder: existing`: nothing of Config's is created
    ("member", "control-tower-member", []),
    ("member", "config-console", []),
    ("delegated-admin", "delegated-administrator", []),
])
def test_the_plan_creates_nothing_the_account_already_has(stack, account, creates):
    result = plan(stack, account)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["mandatory"] == 0
    assert planned_types(result) == creates


@pytest.mark.parametrize("account, recorder, channel", [
    ("config-console", "default", "default"),
    ("delegated-administrator", "default", "default"),
    ("control-tower-member", "aws-controltower-BaselineConfigRecorder",
     "aws-controltower-BaselineConfigDeliveryChannel"),
])
def test_a_stack_that_creates_a_recorder_in_a_recording_account_stops_at_preview(account, recorder, channel):
    result = plan("dev", account)
    assert (result.returncode, result.stdout) == (2, "")
    lines = result.stderr.splitlines()
    assert lines[0] == "error: the plan cannot be applied to the described account (2 problems):"
    assert [line.split("::")[-1] for line in lines[1:]] == [
        f"audit-config-us-east-1-recorder: the account already has a configuration recorder ('{recorder}') in "
        "us-east-1, and AWS Config allows one per account and region; set audit-baseline:recorder to existing "
        "(rules and packs then use the account's own recorder)",
        f"audit-config-us-east-1-channel: the account already has a delivery channel ('{channel}') in us-east-1, "
        "and AWS Config allows one per account and region; set audit-baseline:recorder to existing (rules and "
        "packs then use the account's own recorder)"]
