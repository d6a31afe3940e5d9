"""AWS's documented digest-chain validation, over a local copy of the log bucket.

Per trail and region, walk each chain backwards from its newest digest: check the digest's signature
(SHA256withRSA over "<digestEndTime>\\n<bucket>/<key>\\n<sha256 of the uncompressed digest>\\n<previous
signature or null>" with the key its fingerprint names), the link to the previous digest (its hash and,
through the previous digest's signature carried here, its authenticity), and each listed log file's
SHA-256 over its uncompressed content. Beyond the AWS CLI, report log files that no digest lists.

Sources: AWS CloudTrail User Guide, "CloudTrail digest file structure" (fields, locations, backfill
digests) and "Validating CloudTrail log file integrity with the AWS CLI"; aws-cli's
``awscli/customizations/cloudtrail/validation.py`` (read to learn: required digest fields, the string to
sign, ``_backfill`` digests traversed as chains of their own, a digest moved from its location is
invalid, and since aws-cli 1.45.12 data after a log's gzip stream makes the log invalid).

Damaged evidence is a finding, never a crash: a digest that does not inflate or parse, a field that is
missing or not a time, a name with an impossible time are each reported on that file and the run goes on.
"""
from __future__ import annotations

import binascii
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Optional

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from cloudtrail.layout import (DigestKey, looks_like_digest_key, looks_like_log_key, parse_digest_key,
                               parse_log_key)

from .keys import PublicKey, UsageError

KINDS = ("log_modified", "log_missing", "digest_missing", "digest_invalid", "log_not_in_digest", "unknown_key",
         "head_unverified")
WARNINGS = {"head_unverified"}
# The fields aws-cli requires before it validates a digest (DigestTraverser.required_digest_keys), and the
# list of log files this checker reads.
REQUIRED = ("digestPublicKeyFingerprint", "digestS3Bucket", "digestS3Object", "previousDigestSignature",
            "digestEndTime", "digestStartTime", "logFiles")
CHUNK = 1 << 20


@dataclass
class Problem:
    kind: str
    path: str
    detail: str
    gap: Optional[dict] = None  # digest_missing inside a gap: {"from": <time>, "to": <time>}


@dataclass
class Report:
    digests_valid: int = 0
    digests_invalid: int = 0
    logs_valid: int = 0
    logs_invalid: int = 0
    bytes_read: int = 0
    problems: list = field(default_factory=list)

    def add(self, kind: str, path: str, detail: str, gap: Optional[dict] = None) -> None:
        self.problems.append(Problem(kind, path, detail, gap))

    def to_json(self) -> dict:
        problems = []
        for p in self.problems:
            item = {"kind": p.kind, "path": p.path, "detail": p.detail}
            if p.gap:
                item["gap"] = p.gap
            problems.append(item)
        return {"digests": {"valid": self.digests_valid, "invalid": self.digests_invalid},
                "logs": {"valid": self.logs_valid, "invalid": self.logs_invalid}, "problems": problems}

    @property
    def failed(self) -> bool:
        return any(p.kind not in WARNINGS for p in self.problems)


class Damaged(ValueError):
    """A file that is not what CloudTrail delivered: it does not inflate, or data follows its gzip stream."""


def read_delivered(path: Path, sink: Optional[Callable[[bytes], None]] = None) -> tuple[int, bytes]:
    """Inflate a delivered object as CloudTrail wrote it: exactly one gzip member and nothing after it.

    Returns (bytes read, content) — the content only when no ``sink`` takes it chunk by chunk. A file that
    is not gzip at all is taken as already inflated (a copy someone gunzipped). Raises Damaged for a
    stream that does not inflate, is truncated, or is followed by any byte (zero padding and a second gzip
    member included: the object is no longer the one delivered), OSError when the file cannot be read."""
    parts: list[bytes] = []
    emit = sink or parts.append
    size = path.stat().st_size
    with open(path, "rb") as handle:
        chunk = handle.read(CHUNK)
        if chunk[:2] != b"\x1f\x8b":
            while chunk:
                emit(chunk)
                chunk = handle.read(CHUNK)
            return size, b"".join(parts)
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            while chunk:
                emit(inflater.decompress(chunk))
                if inflater.eof:
                    rest = inflater.unused_data + handle.read()
                    if rest:
                        raise Damaged(f"{len(rest)} bytes follow the end of its gzip stream"
                                      + (" (zero bytes)" if not rest.strip(b"\x00") else
                                         " (a second gzip member)" if rest[:2] == b"\x1f\x8b" else ""))
                    break
                chunk = handle.read(CHUNK)
            emit(inflater.flush())
        except zlib.error as error:
            raise Damaged(f"its gzip data does not inflate ({error})") from None
        if not inflater.eof:
            raise Damaged("its gzip stream is truncated")
    return size, b"".join(parts)


def parse_when(value) -> Optional[datetime]:
    """An ISO-8601 time from a digest field, or None (never raises: a bad field is a finding)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass
class Digest:
    name: DigestKey
    raw: bytes
    data: dict

    @property
    def key(self) -> str:
        return self.name.key

    @property
    def chain(self) -> tuple:
        return self.name.chain

    @property
    def end(self) -> datetime:
        return self.name.end


def _from_awslogs(key: str) -> str:
    index = ("/" + key).find("/AWSLogs/")
    return key[index:] if index > 0 else key


def scan(root: Path) -> tuple[dict, dict, list]:
    """Digest and log files under the bucket root, by S3 key (relative path): (digests by key with their
    parsed names, logs by key, [(key, why)] for files named like digests whose names cannot be parsed)."""
    if not root.is_dir():
        raise UsageError(f"LOGS: {root} is not a directory")
    digests, logs, odd = {}, {}, []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        key = path.relative_to(root).as_posix()
        if looks_like_digest_key(key):
            name = parse_digest_key(key)
            if name is None:
                odd.append((key, "its name is not one CloudTrail writes (account, region, trail and a possible "
                                 "end time)"))
            else:
                digests[key] = (path, name)
        elif looks_like_log_key(key):
            logs[key] = path
    if not digests and not odd:
        raise UsageError(f"LOGS: no CloudTrail digest files under {root} (expected "
                         "AWSLogs/<account>/CloudTrail-Digest/<region>/...; LOGS is the folder that holds AWSLogs/)")
    return digests, logs, odd


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


def _read_digest(key: str, path: Path, name: DigestKey, report: Report) -> Optional[Digest]:
    """The digest, or None after reporting why it cannot be used (digest_invalid)."""
    try:
        size, raw = read_delivered(path)
        report.bytes_read += size
        data = json.loads(raw)
    except (OSError, Damaged) as error:
        return _invalid(report, key, f"unreadable digest file: {error}")
    except ValueError as error:
        return _invalid(report, key, f"the digest is not JSON ({error})")
    if not isinstance(data, dict):
        return _invalid(report, key, "the digest is not a JSON object")
    missing = [f for f in REQUIRED if f not in data]
    if missing:
        return _invalid(report, key, f"the digest lacks {', '.join(missing)}")
    end = parse_when(data["digestEndTime"])
    if end is None:
        return _invalid(report, key, f"digestEndTime {data['digestEndTime']!r} is not a time: the digest was altered")
    if abs(end - name.end) > timedelta(seconds=1):
        return _invalid(report, key, f"digestEndTime {data['digestEndTime']} differs from the time in its name")
    if not isinstance(data["digestS3Object"], str) or _from_awslogs(data["digestS3Object"]) != _from_awslogs(key):
        return _invalid(report, key, f"the digest says it was delivered as {data['digestS3Object']!r}: it was moved "
                                     "from its original location")
    if not isinstance(data["logFiles"], list):
        return _invalid(report, key, "logFiles is not a list")
    return Digest(name, raw, data)


def _invalid(report: Report, key: str, why: str) -> None:
    report.digests_invalid += 1
    report.add("digest_invalid", key, why)
    return None


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _inferred_key(known: str, name: DigestKey, end: datetime) -> str:
    """The key CloudTrail would give the same chain's digest ending at ``end`` (hourly cadence)."""
    directory, _, file = known.rpartition("/")
    directory = directory[: -len("yyyy/mm/dd")] + end.strftime("%Y/%m/%d")
    file = file.replace(name.end.strftime("%Y%m%dT%H%M%SZ"), end.strftime("%Y%m%dT%H%M%SZ"))
    return f"{directory}/{file}"


def validate(root: Path, keys: dict[str, list[PublicKey]], signatures: dict[str, str],
             start: Optional[datetime] = None, end: Optional[datetime] = None,
             progress: Optional[Callable[[int, int], None]] = None) -> Report:
    report = Report()
    digest_paths, log_paths, odd = scan(root)
    for key, why in odd:
        report.digests_invalid += 1
        report.add("digest_invalid", key, why)
    digests: dict[str, Digest] = {}
    for key, (path, name) in sorted(digest_paths.items()):
        digest = _read_digest(key, path, name, report)
        if digest is not None:
            digests[key] = digest
    by_tail = {_from_awslogs(k): k for k in digest_paths}

    def in_range(d) -> bool:
        return (start is None or d.end >= start) and (end is None or d.end <= end)

    # Each digest's signature, as far as it is known: from its successor, or supplied for a chain head.
    known_signature: dict[str, str] = {}
    for d in digests.values():
        previous = d.data.get("previousDigestS3Object")
        signature = d.data.get("previousDigestSignature")
        if isinstance(previous, str) and isinstance(signature, str):
            known_signature.setdefault(by_tail.get(_from_awslogs(previous), previous), signature.lower())
    listed_logs: dict[str, str] = {}  # log key -> digest key
    order = sorted(digests.values(), key=lambda d: (d.chain, d.end), reverse=True)
    chains: dict[tuple, list[Digest]] = {}
    for d in sorted(digests.values(), key=lambda d: d.end):
        chains.setdefault(d.chain, []).append(d)
    log_jobs = []
    # Time windows where an unlisted log file is explained: (account, region, from, to, why).
    windows = [(n.account, n.region, n.end - timedelta(hours=1, minutes=5), n.end,
                f"the digest that would list it, {k}, could not be used (see digest_invalid)")
               for k, (_p, n) in digest_paths.items() if k not in digests]
    for done, d in enumerate(order, 1):
        if progress:
            progress(done, len(order))
        ok, unverified = True, False
        candidates = _key_for(keys, d)
        signature = known_signature.get(d.key) or signatures.get(d.key)
        if candidates is None:
            ok = False
            if in_range(d):
                report.add("unknown_key", d.key, f"no public key with fingerprint "
                                                  f"{d.data.get('digestPublicKeyFingerprint')} in the keys export")
        elif signature is None:
            ok, unverified = False, True
            if in_range(d):
                report.add("head_unverified", d.key, "no digest in the copy carries this digest's signature (it is "
                                                     "the newest of its chain, its successor is missing, or it is "
                                                     "a backfill digest): supply it in SIGNATURES to verify it")
        elif not any(verify_signature(d, signature, k) for k in candidates):
            ok = False
            if in_range(d):
                report.add("digest_invalid", d.key, "signature verification failed: the digest file was changed")
        previous = d.data.get("previousDigestS3Object")
        if isinstance(previous, str) and previous and _from_awslogs(previous) not in by_tail and in_range(d):
            gap = _report_gap(report, d, previous, chains[d.chain])
            windows.append((d.name.account, d.name.region, gap[0], gap[1],
                            f"its digest is missing (the chain's gap from {_stamp(gap[0])} to {_stamp(gap[1])})"))
        if in_range(d):
            if ok:
                report.digests_valid += 1
            elif not unverified:  # a head without its signature is a warning, not an invalid digest
                report.digests_invalid += 1
        for log in d.data["logFiles"]:
            if not (isinstance(log, dict) and isinstance(log.get("s3Object"), str)):
                continue
            listed_key = next((k for k in (log["s3Object"], _from_awslogs(log["s3Object"])) if k in log_paths),
                              log["s3Object"])
            listed_logs[listed_key] = d.key
            if in_range(d):
                log_jobs.append((listed_key, str(log.get("hashValue", "")).lower(), d.key))
    _check_logs(report, log_jobs, log_paths)
    # Beyond the AWS CLI: log files no digest vouches for.
    covered = {(n.account, n.region) for _p, n in digest_paths.values()}
    for key in sorted(log_paths):
        if key in listed_logs:
            continue
        parsed = parse_log_key(key)
        if parsed is None:
            report.logs_invalid += 1
            report.add("log_not_in_digest", key, "no digest lists this file, and its name is not one CloudTrail "
                                                 "writes (an impossible time or a malformed name): it was added "
                                                 "or renamed")
            continue
        if (parsed.account, parsed.region) not in covered:
            continue  # no digests at all for this account and region: nothing to compare with
        if (start is not None and parsed.delivered < start) or (end is not None and parsed.delivered > end):
            continue
        report.logs_invalid += 1
        why = next((w[4] for w in windows if (w[0], w[1]) == (parsed.account, parsed.region)
                    and w[2] <= parsed.delivered < w[3]), None)
        report.add("log_not_in_digest", key, "no digest lists this log file: " + (why or "it was added, or "
                   "delivered while validation was off"))
    for key in sorted(set(signatures) - set(digest_paths)):
        report.add("digest_missing", key, "a chain head named in SIGNATURES is not in the copy")
    order_kinds = {k: i for i, k in enumerate(KINDS)}
    report.problems.sort(key=lambda p: (order_kinds[p.kind], p.path))
    return report


def _report_gap(report: Report, d: Digest, previous: str, chain: list[Digest]) -> tuple[datetime, datetime]:
    """``d`` links to a digest that is not in the copy: name it, and every hourly digest between it and
    the newest older digest of the chain that is present, with the gap's time range."""
    older = [c for c in chain if c.end < d.end and c.key != d.key]
    missing_name = parse_digest_key(previous) or parse_digest_key(_from_awslogs(previous))
    start_of_d = parse_when(d.data.get("digestStartTime")) or d.end - timedelta(hours=1)
    gap_from = older[-1].end if older else None
    gap = {"from": _stamp(gap_from) if gap_from else None, "to": _stamp(start_of_d)}
    span = (f"from {gap['from']} to {gap['to']}" if gap_from else f"up to {gap['to']} (no older digest of this "
            "chain is in the copy)")
    report.add("digest_missing", previous, f"listed as the previous digest of {d.key}; the chain has a gap {span}",
               gap)
    window = (gap_from or start_of_d - timedelta(hours=1), start_of_d)
    if missing_name is None or gap_from is None:
        return window
    when = missing_name.end - timedelta(hours=1)
    while when - gap_from > timedelta(minutes=30):
        report.add("digest_missing", _inferred_key(previous, missing_name, when),
                   f"no digest of this chain ends between {gap['from']} and {gap['to']}, yet the chain links "
                   f"through it; CloudTrail delivers one digest an hour, named for its end time (name inferred)",
                   gap)
        when -= timedelta(hours=1)
    return window


def _check_logs(report: Report, jobs: list, log_paths: dict) -> None:
    """Hash each listed log file (two threads: zlib and hashlib release the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(job):
        key, expected, digest_key = job
        path = log_paths.get(key)
        if path is None:
            return key, expected, digest_key, None, 0, "missing"
        hasher = hashlib.sha256()
        try:
            size, _ = read_delivered(path, hasher.update)
        except (OSError, Damaged) as error:
            return key, expected, digest_key, None, 0, str(error)
        return key, expected, digest_key, hasher.hexdigest(), size, None

    with ThreadPoolExecutor(max_workers=2) as pool:
        for key, expected, digest_key, actual, size, error in pool.map(one, jobs):
            report.bytes_read += size
            if error == "missing":
                report.logs_invalid += 1
                report.add("log_missing", key, f"listed in {digest_key} but not in the copy")
            elif error is not None:
                report.logs_invalid += 1
                report.add("log_modified", key, f"{error}: the object is not the one CloudTrail delivered "
                                                f"(listed in {digest_key})")
            elif actual == expected:
                report.logs_valid += 1
            else:
                report.logs_invalid += 1
                report.add("log_modified", key, f"SHA-256 {actual} differs from {expected} recorded in {digest_key}")
