"""Stack secrets as the CLI's passphrase secrets manager reads them.

Format (pulumi/pulumi pkg/secrets/passphrase/manager.go, sdk/go/common/resource/config/crypt.go): the
stack file's ``encryptionsalt`` is ``v1:<base64 salt>:v1:<base64 nonce>:<base64 ciphertext>``; the key
is PBKDF2-HMAC-SHA256 of the passphrase over the salt, 1,000,000 iterations, 32 bytes; values are
AES-256-GCM (the 16-byte tag appended to the ciphertext), written ``v1:<base64 nonce>:<base64
ciphertext>``. The salt's own ciphertext decrypts to ``pulumi`` with the right passphrase. The
passphrase comes from ``PULUMI_CONFIG_PASSPHRASE`` or the file named by
``PULUMI_CONFIG_PASSPHRASE_FILE``, as for the CLI.

Without a passphrase (or for another secrets provider: a cloud KMS or Pulumi Cloud, which need
credentials) a secret becomes :data:`PLACEHOLDER`, still marked secret.
"""
from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Optional

from common import UsageError

PLACEHOLDER = "[secret]"
ITERATIONS = 1_000_000


def passphrase() -> Optional[str]:
    if "PULUMI_CONFIG_PASSPHRASE" in os.environ:
        return os.environ["PULUMI_CONFIG_PASSPHRASE"]
    path = os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as error:
            raise UsageError(f"PULUMI_CONFIG_PASSPHRASE_FILE: cannot read {path}: {error.strerror}") from None
    return None


class Decrypter:
    """Decrypts a stack's ``secure:`` values; ``None`` key means "placeholder only"."""

    def __init__(self, key: Optional[bytes]):
        self.key = key

    @classmethod
    def for_stack(cls, stack_file: Path, data: dict) -> "Decrypter":
        salt_state = data.get("encryptionsalt")
        phrase = passphrase()
        if not salt_state or phrase is None or data.get("secretsprovider") not in (None, "passphrase"):
            return cls(None)
        parts = str(salt_state).split(":", 2)
        if len(parts) != 3 or parts[0] != "v1":
            raise UsageError(f"{stack_file}: encryptionsalt is not a passphrase state (v1:<salt>:<check>)")
        try:
            salt = base64.b64decode(parts[1], validate=True)
        except ValueError:
            raise UsageError(f"{stack_file}: encryptionsalt holds a salt that is not base64") from None
        key = hashlib.pbkdf2_hmac("sha256", phrase.encode(), salt, ITERATIONS, 32)
        decrypter = cls(key)
        try:
            check = decrypter._decrypt(parts[2])
        except ValueError:
            check = None
        if check != "pulumi":
            raise UsageError(f"{stack_file}: incorrect passphrase (PULUMI_CONFIG_PASSPHRASE does not unlock "
                             "this stack's secrets)")
        return decrypter

    def decrypt(self, ciphertext: str, key: str, stack_file: Path) -> str:
        if self.key is None:
            return PLACEHOLDER
        try:
            return self._decrypt(ciphertext)
        except ValueError as error:
            raise UsageError(f"{stack_file}: {key}: the secure value cannot be decrypted ({error})") from None

    def _decrypt(self, value: str) -> str:
        parts = str(value).split(":")
        if len(parts) != 3 or parts[0] != "v1":
            raise ValueError("not a v1:<nonce>:<ciphertext> value")
        try:
            nonce, data = base64.b64decode(parts[1], validate=True), base64.b64decode(parts[2], validate=True)
        except ValueError:
            raise ValueError("not base64") from None
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        try:
            return AESGCM(self.key).decrypt(nonce, data, None).decode()
        except InvalidTag:
            raise ValueError("authentication failed") from None


def encrypt(key: bytes, plaintext: str, nonce: Optional[bytes] = None) -> str:
    """The CLI's ``v1:<nonce>:<ciphertext>`` form (used by tests to build stack files)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    nonce = nonce or os.urandom(12)
    data = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(data).decode()}"
