"""A generated CloudTrail evidence set for `make bench`: the real delivered records of
../shared/data/cloudtrail/invictus-aws_dataset (log files as CloudTrail wrote them; the stratus-red-team
records were re-serialized by their publisher, keys sorted, so they are left out), repeated with new
eventIDs, requestIDs and times, written as a trail writes them (compact gzip ``{"Records":[...]}`` files
under ``AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/``), with
hourly digest files signed by a key generated here, the keys export and the chain heads' signatures.

``python -m bench.evidence_set [EVENTS] [FILES]`` writes ``bench/evidence/<EVENTS>-<FILES>/`` (ignored by
git) unless it is already there. Layout and digest fields follow AWS's "CloudTrail log file examples"
and "CloudTrail digest file structure" pages.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared/data/cloudtrail"
OUT = ROOT / "bench/evidence"
ACCOUNT, BUCKET, TRAIL = "111122223333", "bench-audit-logs", "bench-trail"
REGIONS = ("us-east-1", "eu-west-1")
START = datetime(2024, 5, 1, tzinfo=timezone.utc)
FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def real_records() -> list[dict]:
    records = []
    for path in sorted((DATA / "invictus-aws_dataset").glob("*.json.gz")):
        records.extend(json.loads(gzip.decompress(path.read_bytes()))["Records"])
    return records


def generate(events: int = 400_000, files: int = 400, out: Path | None = None, log=sys.stderr) -> Path:
    """Write the set (idempotent: an existing complete set is reused) and return its folder."""
    folder = out or OUT / f"{events}-{files}"
    done = folder / "COMPLETE"
    if done.exists():
        return folder
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    rng = random.Random(20240501)
    base = real_records()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    fingerprint = hashlib.md5(der).hexdigest()
    logs_root = folder / "logs"
    per_file = events // files
    span = timedelta(days=30) / files
    by_hour: dict[tuple, list] = {}
    n = 0
    for i in range(files):
        region = REGIONS[i % len(REGIONS)]
        begin = START + span * i
        records = []
        for j in range(per_file if i < files - 1 else events - per_file * (files - 1)):
            record = dict(base[n % len(base)])
            n += 1
            when = begin + span * j / per_file
            record["eventTime"] = when.strftime(FORMAT)
            record["eventID"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            record["requestID"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            record["awsRegion"] = region
            record["recipientAccountId"] = ACCOUNT
            records.append(record)
        delivered = begin + span
        unique = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
        key_name = (f"AWSLogs/{ACCOUNT}/CloudTrail/{region}/{delivered:%Y/%m/%d}/"
                    f"{ACCOUNT}_CloudTrail_{region}_{delivered:%Y%m%dT%H%M}Z_{unique}.json.gz")
        raw = json.dumps({"Records": records}, separators=(",", ":")).encode()  # compact, as CloudTrail writes
        path = logs_root / key_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(raw, 6))
        hour = delivered.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        by_hour.setdefault((region, hour), []).append((key_name, hashlib.sha256(raw).hexdigest(),
                                                       records[0]["eventTime"], records[-1]["eventTime"]))
        if log and (i + 1) % 50 == 0:
            print(f"generated {i + 1}/{files} log files", file=log)
    signatures = {}
    for region in REGIONS:
        hours = sorted(h for r, h in by_hour if r == region)
        previous = None
        hour = hours[0]
        while hour <= hours[-1]:
            listed = by_hour.get((region, hour), [])
            digest_key = (f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/{region}/{hour:%Y/%m/%d}/{ACCOUNT}_CloudTrail-Digest_"
                          f"{region}_{TRAIL}_us-east-1_{hour:%Y%m%dT%H%M%S}Z.json.gz")
            data = {"awsAccountId": ACCOUNT, "digestStartTime": (hour - timedelta(hours=1)).strftime(FORMAT),
                    "digestEndTime": hour.strftime(FORMAT), "digestS3Bucket": BUCKET, "digestS3Object": digest_key,
                    "digestPublicKeyFingerprint": fingerprint, "digestSignatureAlgorithm": "SHA256withRSA",
                    "newestEventTime": max((x[3] for x in listed), default=None),
                    "oldestEventTime": min((x[2] for x in listed), default=None),
                    "previousDigestS3Bucket": BUCKET if previous else None,
                    "previousDigestS3Object": previous[0] if previous else None,
                    "previousDigestHashValue": hashlib.sha256(previous[1]).hexdigest() if previous else None,
                    "previousDigestHashAlgorithm": "SHA-256" if previous else None,
                    "previousDigestSignature": previous[2] if previous else None,
                    "logFiles": [{"s3Bucket": BUCKET, "s3Object": k, "hashValue": h, "hashAlgorithm": "SHA-256",
                                  "newestEventTime": new, "oldestEventTime": old} for k, h, old, new in listed]}
            raw = json.dumps(data).encode()
            to_sign = (f"{data['digestEndTime']}\n{BUCKET}/{digest_key}\n{hashlib.sha256(raw).hexdigest()}\n"
                       f"{previous[2] if previous else 'null'}").encode()
            signature = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256()).hex()
            path = logs_root / digest_key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip.compress(raw))
            previous = (digest_key, raw, signature)
            hour += timedelta(hours=1)
        signatures[previous[0]] = previous[2]
    (folder / "keys.json").write_text(json.dumps({"PublicKeyList": [{
        "Value": base64.b64encode(der).decode(), "ValidityStartTime": (START - timedelta(days=1)).strftime(FORMAT),
        "ValidityEndTime": (START + timedelta(days=60)).strftime(FORMAT), "Fingerprint": fingerprint}]}))
    (folder / "signatures.json").write_text(json.dumps(signatures))
    done.write_text(f"{events} events in {files} log files\n")
    return folder


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    print(generate(*arguments))
