"""AWS's documented digest-chain validation, over a local copy of the log bucket.

Per trail and region, walk each chain backwards from its newest digest: check the digest's signature
(SHA256withRSA over "<digestEndTime>\\n<bucket>/<key>\\n<sha256 of the uncompressed digest>\\n<previous
signature or null>" with the key its fingerprint names), the link to the previous digest (its hash and,
through the previous digest's signature carried here, its authenticity), and each listed log file's
SHA-256 over its uncompressed content. Beyond the AWS CLI, report log files that no digest lists.
"""
from __future__ import annotations

import binascii
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from .keys import PublicKey, UsageError, parse_time

DIGEST_KEY = re.compile(r"(?:^|/)AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})/CloudTrail-Digest/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/"
                        r"\d{12}_CloudTrail-Digest_[a-z0-9-]+_(.+)_([a-z0-9-]+)_(\d{8}T\d{6}Z)\.json\.gz$")
LOG_KEY = re.compile(r"(?:^|/)AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})/CloudTrail/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/"
                     r"\d{12}_CloudTrail_[a-z0-9-]+_(\d{8}T\d{4})Z_[A-Za-z0-9]+\.json(\.gz)?$")
KINDS = ("log_modified", "log_missing", "digest_missing", "digest_invalid", "log_not_in_digest", "unknown_key",
         "head_unverified")
WARNINGS = {"head_unverified"}


@dataclass
class Problem:
    kind: str
    path: str
    detail: str


@dataclass
class Report:
    digests_valid: int = 0
    digests_invalid: int = 0
    logs_valid: int = 0
    logs_invalid: int = 0
    problems: list = field(default_factory=list)

    def add(self, kind: str, path: str, detail: str) -> None:
        self.problems.append(Problem(kind, path, detail))

    def to_json(self) -> dict:
        return {"digests": {"valid": self.digests_valid, "invalid": self.digests_invalid},
                "logs": {"valid": self.logs_valid, "invalid": self.logs_invalid},
                "problems": [{"kind": p.kind, "path": p.path, "detail": p.detail} for p in self.problems]}

    @property
    def failed(self) -> bool:
        return any(p.kind not in WARNINGS for p in self.problems)


@dataclass
class Digest:
    key: str
    raw: bytes
    data: dict
    chain: tuple  # (account, region, trail)

    @property
    def end(self) -> datetime:
        return parse_time(self.data["digestEndTime"], self.key)


def inflate(path: Path) -> bytes:
    content = path.read_bytes()
    return gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content


def scan(root: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """Digest and log files under the bucket root, by S3 key."""
    if not root.is_dir():
        raise UsageError(f"LOGS: {root} is not a directory")
    digests, logs = {}, {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        key = path.relative_to(root).as_posix()
        if DIGEST_KEY.search(key):
            digests[key] = path
        elif LOG_KEY.search(key):
            logs[key] = path
    if not digests:
        raise UsageError(f"LOGS: no CloudTrail digest files under {root} (expected "
                         "AWSLogs/<account>/CloudTrail-Digest/<region>/...; LOGS is the folder that holds AWSLogs/)")
    return digests, logs


def verify_signature(digest: Digest, signature_hex: str, key: PublicKey) -> bool:
    d = digest.data
    previous = d.get("previousDigestSignature") or "null"
    to_sign = (f"{d['digestEndTime']}\n{d['digestS3Bucket']}/{d['digestS3Object']}\n"
               f"{hashlib.sha256(digest.raw).hexdigest()}\n{previous}").encode()
    try:
        key.key.verify(binascii.unhexlify(signature_hex), to_sign, padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, binascii.Error, ValueError):
        return False


def _key_for(keys: dict[str, list[PublicKey]], digest: Digest) -> Optional[list[PublicKey]]:
    candidates = keys.get(str(digest.data.get("digestPublicKeyFingerprint", "")).lower())
    if not candidates:
        return None
    end = digest.end
    in_time = [k for k in candidates if (k.valid_from is None or k.valid_from <= end)
               and (k.valid_to is None or end <= k.valid_to)]
    return in_time or candidates


def validate(root: Path, keys: dict[str, list[PublicKey]], signatures: dict[str, str],
             start: Optional[datetime] = None, end: Optional[datetime] = None,
             progress: Optional[Callable[[int, int], None]] = None) -> Report:
    report = Report()
    digest_paths, log_paths = scan(root)
    digests: dict[str, Digest] = {}
    for key, path in sorted(digest_paths.items()):
        try:
            raw = inflate(path)
            data = json.loads(raw)
            for field_ in ("digestEndTime", "digestS3Bucket", "digestS3Object", "logFiles"):
                if field_ not in data:
                    raise ValueError(f"no {field_}")
            match = DIGEST_KEY.search(key)
            digests[key] = Digest(key, raw, data, (match.group(1), match.group(2), match.group(3)))
        except (OSError, ValueError, EOFError) as error:
            report.digests_invalid += 1
            report.add("digest_invalid", key, f"unreadable digest file: {error}")

    def in_range(d: Digest) -> bool:
        return (start is None or d.end >= start) and (end is None or d.end <= end)

    # Each digest's signature, as far as it is known: from its successor, or supplied for a chain head.
    known_signature: dict[str, str] = {}
    successor: dict[str, str] = {}
    for d in digests.values():
        previous = d.data.get("previousDigestS3Object")
        if previous:
            successor[previous] = d.key
            if d.data.get("previousDigestSignature"):
                known_signature.setdefault(previous, d.data["previousDigestSignature"].lower())
    trusted: set[str] = set()
    listed_logs: dict[str, tuple[str, str]] = {}  # log key -> (hash, digest key)
    order = sorted(digests.values(), key=lambda d: (d.chain, d.end), reverse=True)
    for done, d in enumerate(order, 1):
        if progress:
            progress(done, len(order))
        ok = True
        candidates = _key_for(keys, d)
        signature = known_signature.get(d.key) or signatures.get(d.key)
        if candidates is None:
            ok = False
            if in_range(d):
                report.add("unknown_key", d.key, f"no public key with fingerprint "
                                                  f"{d.data.get('digestPublicKeyFingerprint')} in the keys export")
        elif signature is None:
            ok = False
            if in_range(d):
                report.add("head_unverified", d.key, "no digest in the copy carries this digest's signature (it is "
                                                     "the newest of its chain, or its successor is missing): supply "
                                                     "it in SIGNATURES to verify it")
        elif not any(verify_signature(d, signature, k) for k in candidates):
            ok = False
            if in_range(d):
                report.add("digest_invalid", d.key, "signature verification failed: the digest file was changed")
        # The link to the previous digest: it must exist, and hash to what this digest recorded.
        previous = d.data.get("previousDigestS3Object")
        if previous:
            if previous not in digests and in_range(d) and previous not in digest_paths:
                report.add("digest_missing", previous, f"listed as the previous digest of {d.key}")
            # A changed predecessor fails its own signature check (the signature covers its hash).
        if ok:
            trusted.add(d.key)
        if in_range(d):
            if ok:
                report.digests_valid += 1
            elif not any(p.path == d.key and p.kind == "head_unverified" for p in report.problems):
                report.digests_invalid += 1
        for log in d.data.get("logFiles") or []:
            if isinstance(log, dict) and isinstance(log.get("s3Object"), str):
                listed_logs[log["s3Object"]] = (str(log.get("hashValue", "")).lower(), d.key)
                if not in_range(d):
                    continue
                path = log_paths.get(log["s3Object"])
                if path is None:
                    report.logs_invalid += 1
                    report.add("log_missing", log["s3Object"], f"listed in {d.key} but not in the copy")
                    continue
                try:
                    actual = hashlib.sha256(inflate(path)).hexdigest()
                except (OSError, EOFError, ValueError) as error:
                    actual = f"unreadable ({error})"
                if actual == str(log.get("hashValue", "")).lower():
                    report.logs_valid += 1
                else:
                    report.logs_invalid += 1
                    report.add("log_modified", log["s3Object"], f"SHA-256 {actual} differs from {log.get('hashValue')} "
                                                               f"recorded in {d.key}")
    # Beyond the AWS CLI: log files no digest vouches for.
    covered_chains = {d.chain[:2] for d in digests.values()}
    for key in sorted(log_paths):
        if key in listed_logs:
            continue
        match = LOG_KEY.search(key)
        when = datetime.strptime(match.group(3), "%Y%m%dT%H%M").replace(tzinfo=timezone.utc)
        if (match.group(1), match.group(2)) not in covered_chains:
            continue  # no digests at all for this account and region: nothing to compare with
        if (start is not None and when < start) or (end is not None and when > end):
            continue
        report.logs_invalid += 1
        report.add("log_not_in_digest", key, "no digest lists this log file: it was added, or delivered while "
                                             "validation was off")
    for key in sorted(set(signatures) - set(digest_paths)):
        report.add("digest_missing", key, "a chain head named in SIGNATURES is not in the copy")
    order_kinds = {k: i for i, k in enumerate(KINDS)}
    report.problems.sort(key=lambda p: (order_kinds[p.kind], p.path))
    return report
