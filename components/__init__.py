"""Pulumi components of the AWS audit baseline."""
import importlib.util
import sys
from pathlib import Path

# The rule catalog lives in the policy pack's package (policies/audit_pack) so that the pack can be
# published on its own. Installed with pyproject.toml it is a package of its own; in a checkout, put the
# pack's folder on the import path.
if importlib.util.find_spec("audit_pack") is None:
    sys.path.append(str(Path(__file__).resolve().parent.parent / "policies"))
