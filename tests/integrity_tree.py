"""Builds a CloudTrail bucket copy as AWS writes it: real records from ../shared/data/cloudtrail in gzip
log files, and hourly digest files signed with keys this module generates (layout and fields from AWS's
"CloudTrail digest file structure" page)."""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DATA = Path(__file__).resolve().parents[2] / "shared/data/cloudtrail"
FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def real_records() -> list[dict]:
    records = []
    for path in sorted((DATA / "invictus-aws_dataset").glob("*.json.gz")):
        records.extend(json.loads(gzip.decompress(path.read_bytes()))["Records"])
    return sorted(records, key=lambda r: r["eventTime"])


@dataclass
class SigningKey:
    private: rsa.RSAPrivateKey
    valid_from: datetime
    valid_to: datetime

    @property
    def der(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)

    @property
    def fingerprint(self) -> str:
        return hashlib.md5(self.der).hexdigest()

    def export(self, epoch: bool = False) -> dict:
        when = (lambda t: t.timestamp()) if epoch else (lambda t: t.strftime(FORMAT))
        return {"Value": base64.b64encode(self.der).decode(), "ValidityStartTime": when(self.valid_from),
                "ValidityEndTime": when(self.valid_to), "Fingerprint": self.fingerprint}


def new_key(valid_from: datetime, days: int = 30) -> SigningKey:
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), valid_from,
                      valid_from + timedelta(days=days))


@dataclass
class TrailWriter:
    """Writes one trail's logs and digest chain for one account and region."""

    root: Path
    key: SigningKey
    account: str = "111122223333"
    region: str = "us-east-1"
    trail: str = "audit-trail"
    home_region: str = "us-east-1"
    bucket: str = "audit-logs-bucket"
    prefix: str = ""
    org: Optional[str] = None
    previous: Optional[tuple] = None  # (key, raw digest bytes, signature)
    signatures: dict = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def _base(self) -> str:
        return f"{self.prefix + '/' if self.prefix else ''}AWSLogs/{self.org + '/' if self.org else ''}{self.account}"

    def write_log(self, records: list[dict], when: datetime) -> tuple[str, str]:
        unique = "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(16))
        key = (f"{self._base()}/CloudTrail/{self.region}/{when:%Y/%m/%d}/"
               f"{self.account}_CloudTrail_{self.region}_{when:%Y%m%dT%H%M}Z_{unique}.json.gz")
        raw = json.dumps({"Records": records}).encode()
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(raw))
        return key, hashlib.sha256(raw).hexdigest()

    def digest(self, end: datetime, logs: list[tuple[str, str, list[dict]]], restart: bool = False) -> str:
        """Write the digest for the hour ending at ``end`` listing ``logs`` (key, hash, records)."""
        if restart:
            self.previous = None
        key = (f"{self._base()}/CloudTrail-Digest/{self.region}/{end:%Y/%m/%d}/{self.account}_CloudTrail-Digest_"
               f"{self.region}_{self.trail}_{self.home_region}_{end:%Y%m%dT%H%M%S}Z.json.gz")
        times = [r["eventTime"] for _, _, records in logs for r in records]
        previous_key, previous_raw, previous_signature = self.previous or (None, None, None)
        data = {
            "awsAccountId": self.account, "digestStartTime": (end - timedelta(hours=1)).strftime(FORMAT),
            "digestEndTime": end.strftime(FORMAT), "digestS3Bucket": self.bucket, "digestS3Object": key,
            "digestPublicKeyFingerprint": self.key.fingerprint, "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": max(times) if times else None, "oldestEventTime": min(times) if times else None,
            "previousDigestS3Bucket": self.bucket if previous_key else None,
            "previousDigestS3Object": previous_key,
            "previousDigestHashValue": hashlib.sha256(previous_raw).hexdigest() if previous_raw else None,
            "previousDigestHashAlgorithm": "SHA-256" if previous_raw else None,
            "previousDigestSignature": previous_signature,
            "logFiles": [{"s3Bucket": self.bucket, "s3Object": k, "hashValue": h, "hashAlgorithm": "SHA-256",
                          "newestEventTime": max(r["eventTime"] for r in rs),
                          "oldestEventTime": min(r["eventTime"] for r in rs)} for k, h, rs in logs],
        }
        raw = json.dumps(data).encode()
        to_sign = (f"{data['digestEndTime']}\n{self.bucket}/{key}\n{hashlib.sha256(raw).hexdigest()}\n"
                   f"{previous_signature or 'null'}").encode()
        signature = self.key.private.sign(to_sign, padding.PKCS1v15(), hashes.SHA256()).hex()
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(raw))
        self.previous = (key, raw, signature)
        self.signatures[key] = signature
        return key

    def hours(self, records: list[dict], start: datetime, count: int) -> list[str]:
        """``count`` hourly digests from ``start``, each listing the records of its hour in two log files."""
        keys = []
        for i in range(count):
            begin, end = start + timedelta(hours=i), start + timedelta(hours=i + 1)
            hour = [r for r in records if begin.strftime(FORMAT) <= r["eventTime"] < end.strftime(FORMAT)]
            logs = []
            for part in (hour[: len(hour) // 2], hour[len(hour) // 2:]):
                if part:
                    key, digest = self.write_log(part, begin + timedelta(minutes=5 + 10 * len(logs)))
                    logs.append((key, digest, part))
            keys.append(self.digest(end, logs))
        return keys

    @property
    def head(self) -> str:
        return self.previous[0]


def utc(text: str) -> datetime:
    return datetime.strptime(text, FORMAT).replace(tzinfo=timezone.utc)
