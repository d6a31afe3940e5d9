"""KMS key rotation."""
from __future__ import annotations

from ..props import UNKNOWN, truthy
from ..registry import resource_check

KEY = "aws:kms/key:Key"


@resource_check("cmk-backing-key-rotation-enabled", (KEY,))
def key_rotation(props, _config, kind: str = KEY):
    spec = props.get("customerMasterKeySpec") or props.get("keySpec") or "SYMMETRIC_DEFAULT"
    usage = props.get("keyUsage") or "ENCRYPT_DECRYPT"
    if UNKNOWN in (spec, usage) or spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT" \
            or props.get("customKeyStoreId") or props.get("xksKeyId"):
        return []  # rotation exists only for symmetric encryption keys in the default key store
    if truthy(props.get("enableKeyRotation", False)) is False:
        return ["enableKeyRotation is not true: the key's material never rotates. Set enable_key_rotation=True."]
    return []
