"""Pulumi components of the AWS audit baseline."""
from .settings import Settings, SettingsError

__all__ = ["Settings", "SettingsError"]
