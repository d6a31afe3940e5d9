"""KMS key rotation."""
from __future__ import annotations

from ..props import UNKNOWN, truthy
from ..registry import resource_check

KEY = "aws:kms/key:Key"


@resource_check("cmk-backing-key-rotation-enabled", (KEY,),
                covers=("kms.Key `enableKeyRotation` for symmetric encryption keys in the default key store",),
                unknown=("keys declared in other stacks",))
def key_rotation(props, _config, kind: str = KEY):
    spec = next((v for v in (props.get("customerMasterKeySpec"), props.get("keySpec")) if v is not None),
                "SYMMETRIC_DEFAULT")
    usage = props.get("keyUsage", "ENCRYPT_DECRYPT")
    store = [props.get("customKeyStoreId"), props.get("xksKeyId")]
    if UNKNOWN in (spec, usage, *store) or spec != "SYMMETRIC_DEFAULT" or usage not in (None, "ENCRYPT_DECRYPT") \
            or any(isinstance(s, str) and s for s in store):
        return []  # rotation exists only for symmetric encryption keys in the default key store
    if truthy(props.get("enableKeyRotation", False)) is False:
        return ["enableKeyRotation is not true: the key's material never rotates. Set enable_key_rotation=True."]
    return []
