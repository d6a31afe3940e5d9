"""The audit baseline program: stack settings -> AuditBaseline -> stack outputs."""
import pulumi

from components.baseline import AuditBaseline
from components.settings import Settings

settings = Settings.from_config()  # every config mistake is reported here, before any resource
if settings.account_role == "standalone":
    baseline = AuditBaseline("audit", settings)
else:  # one part of an organization's baseline (components/organization.py)
    from components.organization import organization_part
    baseline = organization_part("audit", settings)
for key, value in baseline.outputs.items():
    if value is not None:
        pulumi.export(key, value)
