"""Stacks on pulumi-aws 6: fixtures recorded from its constructors (`make fixtures-aws6`) through the pack."""
from __future__ import annotations

import json

import pytest

from preflight.mocks import Registration

from .conftest import ROOT, all_verdicts

FIXTURES = ROOT / "tests/fixtures/aws6"


def load(name: str) -> list[Registration]:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    assert data["pulumi_aws"].startswith("6.")
    return [Registration(urn=r["urn"], type=r["type"], name=r["name"], custom=r["custom"], parent=r["parent"],
                         inputs=r["inputs"], depends_on=r["dependsOn"],
                         property_dependencies=r["propertyDependencies"]) for r in data["resources"]]


@pytest.mark.parametrize("scenario, expected", [
    ("inline_acl", [("s3-bucket-public-read-prohibited", "mandatory", "v6-public-acl")]),
    ("inline_grants", [("s3-bucket-public-read-prohibited", "mandatory", "v6-grants"),
                       ("s3-bucket-public-write-prohibited", "mandatory", "v6-grants")]),
    ("inline_policy", [("s3-bucket-public-read-prohibited", "mandatory", "v6-public-policy")]),
    ("v2_resources", [("s3-bucket-public-read-prohibited", "mandatory", "v6-bucketv2"),
                      ("s3-bucket-public-write-prohibited", "mandatory", "v6-bucketv2")]),
    ("network", [("cloud-trail-encryption-enabled", "mandatory", "v6-trail"),
                 ("cloud-trail-log-file-validation-enabled", "mandatory", "v6-trail"),
                 ("ec2-instance-no-public-ip", "mandatory", "v6-instance"),
                 ("encrypted-volumes", "advisory", "v6-instance"),  # root volume: the AMI's snapshot decides
                 ("multi-region-cloudtrail-enabled", "advisory", "v6-trail"),
                 ("restricted-ssh", "mandatory", "v6-sg")]),
])
def test_pulumi_aws_6_shapes(pack, scenario, expected):
    found = [v for v in all_verdicts(pack, load(scenario)) if v[0] != "s3-bucket-ssl-requests-only"]
    assert found == expected
