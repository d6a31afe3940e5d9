"""An organization's baseline (issue 18): account roles, the log archive's policies, member recording."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.runner import ProgramConfigError, Project, run_program
from tests.conftest import MANAGEMENT_ACCOUNT, ORG_ID, Plan, run_baseline

FIXTURE = Path(__file__).parent / "fixtures" / "standalone" / "resources.json"
MANAGEMENT, LOG_ARCHIVE, AUDIT = "999988887777", "222233334444", "555566667777"


def _resources(plan: Plan) -> list:
    return sorted([r.type, r.name] for r in plan.registrations)


@pytest.mark.parametrize("case", ["dev", "defaults", "organization"])
def test_standalone_plans_exactly_as_before_account_roles(case):
    """The lists were recorded (tests/fixtures/standalone/record.py) from the code before accountRole existed."""
    recorded = json.loads(FIXTURE.read_text())[case]
    if case == "dev":
        project = Project.load(Path(__file__).parent.parent)
        config, secrets = project.stack_config("dev")
        plan = Plan(run_program(project, "dev", config, secrets))
    elif case == "defaults":
        plan = run_baseline({"accountRole": "standalone"})
    else:
        plan = run_baseline({"organizationTrail": True, "organizationId": ORG_ID, "organizationConfig": True,
                             "cloudWatchLogs": True, "regions": ["us-east-1", "eu-west-1"]}, account=MANAGEMENT_ACCOUNT)
    assert _resources(plan) == recorded


def _problems(settings, **kw):
    with pytest.raises(ProgramConfigError) as error:
        run_baseline(settings, **kw)
    return str(error.value)


def test_account_role_names_what_is_allowed():
    message = _problems({"accountRole": "member"})
    assert ("audit-baseline:accountRole: 'member' is not valid; expected one of standalone, log-archive, "
            "management, audit") in message


def test_organization_role_needs_its_accounts():
    message = _problems({"accountRole": "log-archive"})
    assert "audit-baseline:organizationId: required with accountRole 'log-archive'; expected o-[a-z0-9]{10,32}" in message
    assert "audit-baseline:managementAccountId: required with accountRole 'log-archive'" in message
    assert "audit-baseline:auditAccountId: required with accountRole 'log-archive'" in message


def test_standalone_refuses_organization_keys():
    message = _problems({"auditAccountId": AUDIT})
    assert ("audit-baseline:auditAccountId: set but audit-baseline:accountRole is 'standalone'; expected "
            "accountRole log-archive, management or audit, or remove auditAccountId") in message


def test_management_needs_the_log_archive():
    message = _problems({"accountRole": "management", "organizationId": ORG_ID, "managementAccountId": MANAGEMENT,
                         "logArchiveAccountId": LOG_ARCHIVE}, account=MANAGEMENT_ACCOUNT)
    assert ("audit-baseline:logArchiveStack: required with accountRole 'management' unless both logArchiveBucketName "
            "and logArchiveKeyArn are set") in message
