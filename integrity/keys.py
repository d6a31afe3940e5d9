"""Public keys from `aws cloudtrail list-public-keys` exports (AWS CLI v1 and v2 shapes)."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey


from common import UsageError, read_json


@dataclass(frozen=True)
class PublicKey:
    fingerprint: str
    key: RSAPublicKey
    valid_from: Optional[datetime]
    valid_to: Optional[datetime]


def parse_time(value: Any, where: str) -> Optional[datetime]:
    """Epoch seconds (CLI v1) or ISO-8601 (CLI v2) -> aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"{where}: {value!r} is not a time (epoch seconds or ISO-8601)") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise UsageError(f"{where}: {value!r} is not a time (epoch seconds or ISO-8601)")


def load_public_keys(path: str) -> dict[str, list[PublicKey]]:
    """Keys by hex fingerprint (a fingerprint may repeat across regions and validity periods)."""
    data = read_json(path, "KEYS")
    entries = data.get("PublicKeyList") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise UsageError(f"KEYS: {path} has no PublicKeyList; expected the output of "
                         "`aws cloudtrail list-public-keys --output json`")
    if not entries:
        raise UsageError(f"KEYS: {path} has an empty PublicKeyList, so no digest can be checked; export the keys "
                         "of the period the logs cover with `aws cloudtrail list-public-keys --start-time ... "
                         "--output json`")
    keys: dict[str, list[PublicKey]] = {}
    for i, entry in enumerate(entries):
        where = f"KEYS: {path}: PublicKeyList[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("Value"), str) \
                or not isinstance(entry.get("Fingerprint"), str):
            raise UsageError(f"{where} needs a base64 Value and a hex Fingerprint")
        try:
            key = serialization.load_der_public_key(base64.b64decode(entry["Value"], validate=True))
        except (ValueError, binascii.Error, TypeError):
            raise UsageError(f"{where}: Value is not a base64 DER RSA public key") from None
        if not isinstance(key, RSAPublicKey):
            raise UsageError(f"{where}: Value is not an RSA public key")
        fingerprint = entry["Fingerprint"].lower()
        keys.setdefault(fingerprint, []).append(PublicKey(
            fingerprint, key, parse_time(entry.get("ValidityStartTime"), f"{where}.ValidityStartTime"),
            parse_time(entry.get("ValidityEndTime"), f"{where}.ValidityEndTime")))
    return keys


def load_signatures(path: Optional[str]) -> dict[str, str]:
    """Digest S3 key -> hex signature (what `aws s3api head-object` shows as Metadata.signature)."""
    if not path:
        return {}
    data = read_json(path, "SIGNATURES")
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise UsageError(f"SIGNATURES: {path} must map digest S3 keys to hex signatures")
    for key, value in data.items():
        if not value or len(value) % 2 or any(c not in "0123456789abcdefABCDEF" for c in value):
            raise UsageError(f"SIGNATURES: {path}: the signature of {key} is not hex ({value[:40]!r}); copy the "
                             "digest object's x-amz-meta-signature metadata (`aws s3api head-object`)")
    return {k.lstrip("/"): v.lower() for k, v in data.items()}
