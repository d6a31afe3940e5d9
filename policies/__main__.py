"""Entry point the Pulumi CLI runs: builds the pack from the rule catalog and serves it."""
from pulumi_policy import PolicyPack

from audit_pack import PACK_NAME, serving
from audit_pack.pack import build_policies

serving.install()
PolicyPack(name=PACK_NAME, policies=build_policies())
