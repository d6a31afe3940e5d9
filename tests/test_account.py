"""The account description (`ACCOUNT=<file>`): loading, its errors, the examples, and the singletons a
plan must not create again in the described account."""
from __future__ import annotations

import json

import pytest

from common import UsageError
from preflight.account import Account, load_account, parse_account, recorder_gaps, singleton_conflicts

from .conftest import ROOT, run_baseline

EXAMPLES = ROOT / "examples" / "accounts"
BASE = "urn:pulumi:test::audit-baseline::audit-baseline:index:AuditBaseline$audit-baseline:config:AuditConfig"
SLR_URN = f"{BASE}$aws:iam/serviceLinkedRole:ServiceLinkedRole::audit-config-service-linked-role"
REGIONAL = f"{BASE}$audit-baseline:config:RegionalRecorder"


def recorder_urn(region: str) -> str:
    return f"{REGIONAL}$aws:cfg/recorder:Recorder::audit-config-{region}-recorder"


def channel_urn(region: str) -> str:
    return f"{REGIONAL}$aws:cfg/deliveryChannel:DeliveryChannel::audit-config-{region}-channel"


def test_contract_example_loads_with_every_key(tmp_path):
    contract = {"accountId": "111122223333", "partition": "aws",
                "organization": {"id": "o-a1b2c3d4e5", "managementAccountId": "999988887777"},
                "serviceLinkedRoles": ["AWSServiceRoleForConfig"],
                "config": {"us-east-1": {"recorder": "default", "deliveryChannel": "default"}},
                "trails": [{"name": "org-trail", "homeRegion": "us-east-1", "organization": True}],
                "controlTower": False}
    path = tmp_path / "account.json"
    path.write_text(json.dumps(contract))
    account = load_account(path)
    assert account.account_id == "111122223333"
    assert account.organization.id == "o-a1b2c3d4e5"
    assert account.organization.management_account_id == "999988887777"
    assert account.is_management_account is False
    assert account.recorder_in("us-east-1") == "default" and account.delivery_channel_in("us-east-1") == "default"
    assert account.recorder_in("us-west-2") is None
    assert account.trails[0].home_region == "us-east-1" and account.trails[0].organization is True
    assert account.service_linked_role_arn("AWSServiceRoleForConfig") == \
        "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    dumped = account.model_dump(mode="json", by_alias=True, exclude={"description"})
    dumped["organization"].pop("delegatedAdministratorFor")
    assert dumped == contract


def test_default_is_a_fresh_account():
    account = Account.default()
    assert (account.account_id, account.partition, account.organization) == ("123456789012", "aws", None)
    assert account.service_linked_roles == () and account.config == {} and account.trails == ()
    assert load_account(None) == account
    assert parse_account({}, "empty.json") == account


@pytest.mark.parametrize("data, message", [
    ({"accountId": 111122223333},
     'accountId: found a number; allowed: 12 digits as text, e.g. "111122223333"'),
    ({"accountId": "1111"},
     "accountId: '1111' is not 12 digits; allowed: 12 digits as text, e.g. \"111122223333\""),
    ({"partition": "azure"},
     "partition: 'azure' is not a partition; allowed: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, "
     "aws-iso-f, aws-eusc"),
    ({"organization": {"id": "a1b2c3", "managementAccountId": "999988887777"}},
     "organization.id: 'a1b2c3' is not an organization id; allowed: an organization id: o- then 10 to 32 "
     "lowercase letters or digits, e.g. \"o-a1b2c3d4e5\""),
    ({"organization": {"id": "o-a1b2c3d4e5"}},
     'organization.managementAccountId: required; allowed: 12 digits as text, e.g. "999988887777"'),
    ({"organization": ["o-a1b2c3d4e5"]},
     'organization: found a list; allowed: null (outside an organization) or {"id", "managementAccountId"}'),
    ({"serviceLinkedRoles": ["ConfigRole"]},
     "serviceLinkedRoles: 'ConfigRole' is not a service-linked role's name; allowed: a list of service-linked role "
     "names (AWSServiceRoleFor..., as `aws iam list-roles --path-prefix /aws-service-role/` lists them), e.g. "
     "\"AWSServiceRoleForConfig\""),
    ({"config": {"us-east": {"recorder": "default"}}},
     "config: 'us-east' is not a region name (an AWS region name, e.g. \"us-east-1\"); allowed: an object of "
     "region -> {\"recorder\": name, \"deliveryChannel\": name}"),
    ({"config": {"us-east-1": {"recorder": 1}}},
     "config.us-east-1.recorder: found a number; allowed: the recorder's name (1-256 characters) or null"),
    ({"config": {"us-east-1": {"channel": "default"}}},
     "config.us-east-1.channel: unknown key; allowed here: recorder, deliveryChannel"),
    ({"trails": [{"name": "org-trail", "homeRegion": "us-east-1", "organization": "yes"}]},
     "trails[0].organization: found text; allowed: true or false"),
    ({"trails": [{"name": "org-trail"}]},
     'trails[0].homeRegion: required; allowed: an AWS region name, e.g. "us-east-1"'),
    ({"controlTower": "false"}, "controlTower: found text; allowed: true or false"),
    ({"controlTower": True},
     'controlTower: true needs an organization (Control Tower governs the accounts of an AWS Organization); set '
     'organization to {"id", "managementAccountId"} or controlTower to false'),
    ({"accountID": "111122223333"},
     "accountID: unknown key; allowed here: accountId, partition, organization, serviceLinkedRoles, config, "
     "trails, controlTower, description"),
])
def test_each_malformed_key_is_named_with_what_it_allows(tmp_path, data, message):
    path = tmp_path / "account.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UsageError) as error:
        load_account(path)
    assert str(error.value).startswith(f"ACCOUNT: {path}: {message}")


def test_several_problems_are_named_together(tmp_path):
    path = tmp_path / "account.json"
    path.write_text(json.dumps({"accountId": "1", "partition": "x", "controlTower": 1, "trails": 2}))
    with pytest.raises(UsageError) as error:
        load_account(path)
    message = str(error.value)
    assert message.startswith(f"ACCOUNT: {path}: accountId: '1' is not 12 digits; allowed: ")
    assert "; partition: 'x' is not a partition; allowed: " in message
    assert message.endswith("(and 1 more problem)")


def test_a_file_that_is_not_an_object_or_not_json(tmp_path):
    path = tmp_path / "account.json"
    path.write_text('["111122223333"]')
    with pytest.raises(UsageError, match=r"^ACCOUNT: .*account.json must hold a JSON object \(an account "
                                         r"description\), found a list; keys allowed: accountId, partition"):
        load_account(path)
    path.write_text('{"accountId": "111122223333",\n "partition": aws}')
    with pytest.raises(UsageError, match=r"^ACCOUNT: .*account.json is not JSON: Expecting value at line 2, "
                                         r"column 15$"):
        load_account(path)
    with pytest.raises(UsageError, match=r"^ACCOUNT: .*missing.json does not exist$"):
        load_account(tmp_path / "missing.json")


def test_every_example_loads_and_says_what_it_shows():
    names = sorted(p.name for p in EXAMPLES.glob("*.json"))
    assert names == ["audit-account.json", "config-console.json", "control-tower-member.json",
                     "delegated-administrator.json", "fresh.json", "log-archive-account.json",
                     "management-account.json"]
    for path in EXAMPLES.glob("*.json"):
        assert load_account(path).description, path.name
    assert load_account(EXAMPLES / "fresh.json").model_dump(exclude={"description"}) == \
        Account.default().model_dump(exclude={"description"})
    management = load_account(EXAMPLES / "management-account.json")
    assert management.is_management_account
    delegated = load_account(EXAMPLES / "delegated-administrator.json")
    assert not delegated.is_management_account
    assert delegated.organization.delegated_administrator_for == ("cloudtrail.amazonaws.com", "config.amazonaws.com")
    tower = load_account(EXAMPLES / "control-tower-member.json")
    assert tower.control_tower and tower.recorder_in("us-west-2") == "aws-controltower-BaselineConfigRecorder"
    assert tower.delivery_channel_in("us-east-1") == "aws-controltower-BaselineConfigDeliveryChannel"


# -- singletons --

RECORDER_FIX = ("AWS Config allows one per account and region; set audit-baseline:recorder to existing (rules and "
                "packs then use the account's own recorder)")
SLR_FIX = ("(one per account; creating it again fails); set audit-baseline:configRole to existing-service-linked "
           "(the baseline then looks the role up instead of creating it)")


@pytest.fixture(scope="module")
def two_region_plan():
    """The baseline with its defaults (create the recorder and the service-linked role) in two regions."""
    return run_baseline({"regions": ["us-east-1", "us-west-2"]}).registrations


@pytest.fixture(scope="module")
def existing_plan():
    """The baseline told to use the account's recorder and Config's existing service-linked role."""
    return run_baseline({"regions": ["us-east-1", "us-west-2"], "recorder": "existing",
                         "configRole": "existing-service-linked"}).registrations


def example(name: str) -> Account:
    return load_account(EXAMPLES / f"{name}.json")


def test_fresh_and_management_accounts_hold_nothing_the_plan_creates(two_region_plan):
    assert singleton_conflicts(two_region_plan, example("fresh"), "us-east-1") == []
    assert singleton_conflicts(two_region_plan, example("management-account"), "us-east-1") == []


def test_console_account_conflicts_name_the_settings(two_region_plan, existing_plan):
    assert sorted(singleton_conflicts(two_region_plan, example("config-console"), "us-east-1")) == [
        f"{channel_urn('us-east-1')}: the account already has a delivery channel ('default') in us-east-1, "
        f"and {RECORDER_FIX}",
        f"{recorder_urn('us-east-1')}: the account already has a configuration recorder ('default') in us-east-1, "
        f"and {RECORDER_FIX}",
        f"{SLR_URN}: the account already has the service-linked role AWSServiceRoleForConfig of "
        f"config.amazonaws.com {SLR_FIX}",
    ]
    assert singleton_conflicts(existing_plan, example("config-console"), "us-east-1") == []


def test_control_tower_member_conflicts_in_every_governed_region(two_region_plan, existing_plan):
    found = singleton_conflicts(two_region_plan, example("control-tower-member"), "us-east-1")
    assert sorted(m.split(": ", 1)[0] for m in found) == sorted([
        SLR_URN, recorder_urn("us-east-1"), recorder_urn("us-west-2"), channel_urn("us-east-1"),
        channel_urn("us-west-2")])
    assert next(m for m in found if m.startswith(recorder_urn("us-west-2"))) == (f"{recorder_urn('us-west-2')}: the account already has a configuration recorder "
                        f"('aws-controltower-BaselineConfigRecorder') in us-west-2, and {RECORDER_FIX}")
    assert singleton_conflicts(existing_plan, example("control-tower-member"), "us-east-1") == []


def test_delegated_administrator_conflicts_only_where_config_is_on(two_region_plan):
    found = singleton_conflicts(two_region_plan, example("delegated-administrator"), "us-east-1")
    assert sorted(m.split(": ", 1)[0] for m in found) == sorted([SLR_URN, recorder_urn("us-east-1"),
                                                                channel_urn("us-east-1")])


def test_region_comes_from_the_input_then_the_provider_then_the_stack():
    account = parse_account({"config": {"eu-west-1": {"recorder": "default"}}}, "a.json")
    provider = {"urn": "urn:pulumi:s::p::pulumi:providers:aws::ireland", "id": "0f1e", "type": "pulumi:providers:aws",
                "inputs": {"region": "eu-west-1"}}
    by_input = {"urn": "urn:r1", "type": "aws:cfg/recorder:Recorder", "inputs": {"region": "eu-west-1"}}
    by_provider = {"urn": "urn:r2", "type": "aws:cfg/recorder:Recorder", "inputs": {},
                   "provider": "urn:pulumi:s::p::pulumi:providers:aws::ireland::0f1e"}
    by_stack = {"urn": "urn:r3", "type": "aws:cfg/recorder:Recorder", "inputs": {}}
    assert [m.split(":")[1] for m in singleton_conflicts([by_input], account, "us-east-1")] == ["r1"]
    assert [m.split(":")[1] for m in singleton_conflicts([provider, by_provider], account, "us-east-1")] == ["r2"]
    assert singleton_conflicts([by_stack], account, "us-east-1") == []
    assert [m.split(":")[1] for m in singleton_conflicts([by_stack], account, "eu-west-1")] == ["r3"]


def test_a_second_recorder_planned_in_one_region_of_a_fresh_account():
    first = {"urn": "urn:a", "type": "aws:cfg/recorder:Recorder", "inputs": {"name": "one"}}
    second = {"urn": "urn:b", "type": "aws:cfg/recorder:Recorder", "inputs": {"name": "two"}}
    other_region = {"urn": "urn:c", "type": "aws:cfg/recorder:Recorder", "inputs": {"region": "us-west-2"}}
    assert singleton_conflicts([first, second, other_region], Account.default(), "us-east-1") == [
        "urn:b: a second configuration recorder planned in us-east-1 (AWS Config allows one per account and "
        "region; the first is urn:a); plan one per region"]


def test_service_linked_role_with_a_custom_suffix_or_another_service():
    account = example("config-console")
    suffixed = {"urn": "urn:s", "type": "aws:iam/serviceLinkedRole:ServiceLinkedRole",
                "inputs": {"awsServiceName": "config.amazonaws.com", "customSuffix": "x"}}
    other = {"urn": "urn:o", "type": "aws:iam/serviceLinkedRole:ServiceLinkedRole",
             "inputs": {"awsServiceName": "guardduty.amazonaws.com"}}
    assert singleton_conflicts([suffixed, other], account, "us-east-1") == []
    management = example("management-account")
    trail_slr = {"urn": "urn:t", "type": "aws:iam/serviceLinkedRole:ServiceLinkedRole",
                 "inputs": {"awsServiceName": "cloudtrail.amazonaws.com"}}
    assert singleton_conflicts([trail_slr], management, "us-east-1") == [
        "urn:t: the account already has the service-linked role AWSServiceRoleForCloudTrail of "
        "cloudtrail.amazonaws.com (one per account; creating it again fails); remove it from the program or "
        "import the existing role"]


# -- Config rules and packs need a recorder in their region --

def rule_urn(name: str, region: str) -> str:
    return f"{BASE}$aws:cfg/rule:Rule::audit-config-{name}-{region}"


def gap(region: str, first: str, more: int) -> str:
    return (f"{first} and {more} more Config rules or packs: no configuration recorder in {region} (the account "
            f"has none there and the plan creates none), so AWS Config refuses rules and conformance packs there "
            f"(NoAvailableConfigurationRecorderException); set audit-baseline:recorder to create, or switch Config "
            f"on in {region} first")


def test_existing_recorder_mode_needs_the_accounts_recorder_in_every_region(existing_plan):
    assert recorder_gaps(existing_plan, example("control-tower-member"), "us-east-1") == []
    assert recorder_gaps(existing_plan, example("config-console"), "us-east-1") == [
        gap("us-west-2", f"{BASE}$aws:cfg/conformancePack:ConformancePack::audit-config-pack-cis-us-west-2", 7)]
    in_west = [r for r in existing_plan if r.inputs.get("region") == "us-west-2"
               and r.type in ("aws:cfg/rule:Rule", "aws:cfg/conformancePack:ConformancePack")]
    assert len(in_west) == 8  # the CloudTrail rules run in the home region only (issue 12)
    assert [m.split(" no configuration recorder in ")[1].split(" ")[0]
            for m in recorder_gaps(existing_plan, example("fresh"), "us-east-1")] == ["us-east-1", "us-west-2"]


def test_created_recorders_cover_their_regions(two_region_plan):
    assert recorder_gaps(two_region_plan, example("fresh"), "us-east-1") == []


def test_a_rule_in_a_region_without_any_recorder():
    rule = {"urn": "urn:r", "type": "aws:cfg/rule:Rule", "inputs": {"region": "eu-west-1"}}
    pack = {"urn": "urn:p", "type": "aws:cfg/conformancePack:ConformancePack", "inputs": {}}
    assert recorder_gaps([rule, pack], example("config-console"), "us-east-1") == [
        "urn:r: no configuration recorder in eu-west-1 (the account has none there and the plan creates none), so "
        "AWS Config refuses rules and conformance packs there (NoAvailableConfigurationRecorderException); set "
        "audit-baseline:recorder to create, or switch Config on in eu-west-1 first"]
