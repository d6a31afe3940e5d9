"""Offline log-integrity validation on a bucket copy built from real records, one test per kind of tampering."""
from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from datetime import timedelta

import pytest

from .conftest import ROOT
from .integrity_tree import TrailWriter, new_key, real_records, utc

START = utc("2023-07-10T10:00:00Z")


@pytest.fixture(scope="module")
def records():
    return real_records()


@pytest.fixture(scope="module")
def signing_keys():
    return new_key(START - timedelta(days=1)), new_key(START + timedelta(hours=2))


@pytest.fixture
def tree(tmp_path, records, signing_keys):
    """Four hourly digests (10:00-14:00; the first and last hours have no log files) in us-east-1."""
    root = tmp_path / "bucket"
    writer = TrailWriter(root, signing_keys[0])
    digests = writer.hours(records, START, 4)
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps({"PublicKeyList": [k.export() for k in signing_keys]}))
    signatures = tmp_path / "signatures.json"
    signatures.write_text(json.dumps({writer.head: writer.signatures[writer.head]}))
    return {"root": root, "writer": writer, "digests": digests, "keys": keys_file, "signatures": signatures,
            "tmp": tmp_path}


def verify(tree, *extra, signatures=True):
    args = [str(ROOT / ".venv/bin/python"), "-m", "integrity", "--logs", str(tree["root"]), "--keys",
            str(tree["keys"]), "--format", "json", *extra]
    if signatures:
        args += ["--signatures", str(tree["signatures"])]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    return result.returncode, json.loads(result.stdout) if result.stdout else None, result.stderr


def logs_of(tree, digest_index):
    path = tree["root"] / tree["digests"][digest_index]
    return [entry["s3Object"] for entry in json.loads(gzip.decompress(path.read_bytes()))["logFiles"]]


def kinds(report):
    return [(p["kind"], p["path"]) for p in report["problems"]]


def test_untouched_copy_validates(tree, records):
    status, report, _ = verify(tree)
    assert status == 0
    assert report == {"digests": {"valid": 4, "invalid": 0}, "logs": {"valid": 4, "invalid": 0}, "problems": []}
    assert len(logs_of(tree, 0)) == 0 and len(logs_of(tree, 1)) == 2  # an hour without logs still has a digest


def test_without_the_head_signature_the_head_is_unverified(tree):
    status, report, _ = verify(tree, signatures=False)
    assert status == 0
    assert kinds(report) == [("head_unverified", tree["digests"][-1])]
    assert report["digests"] == {"valid": 3, "invalid": 0}


def test_log_modified(tree):
    victim = logs_of(tree, 1)[0]
    path = tree["root"] / victim
    records = json.loads(gzip.decompress(path.read_bytes()))
    records["Records"][0]["sourceIPAddress"] = "198.51.100.7"
    path.write_bytes(gzip.compress(json.dumps(records).encode()))
    status, report, _ = verify(tree)
    assert status == 1 and kinds(report) == [("log_modified", victim)]
    assert report["logs"] == {"valid": 3, "invalid": 1}


def test_log_missing(tree):
    victim = logs_of(tree, 2)[1]
    (tree["root"] / victim).unlink()
    status, report, _ = verify(tree)
    assert status == 1 and kinds(report) == [("log_missing", victim)]


def test_digest_missing(tree):
    victim = tree["digests"][2]
    orphaned = logs_of(tree, 2)
    (tree["root"] / victim).unlink()
    status, report, _ = verify(tree)
    assert status == 1
    # The digest before the deleted one carried its signature forward in the deleted one: now unverifiable.
    assert kinds(report) == [("digest_missing", victim), *[("log_not_in_digest", k) for k in sorted(orphaned)],
                             ("head_unverified", tree["digests"][1])]


def test_digest_invalid(tree):
    victim = tree["digests"][1]
    path = tree["root"] / victim
    data = json.loads(gzip.decompress(path.read_bytes()))
    hidden = data["logFiles"][1]["s3Object"]
    data["logFiles"] = data["logFiles"][:1]  # hide a log file from the record
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    status, report, _ = verify(tree)
    assert status == 1
    assert kinds(report) == [("digest_invalid", victim), ("log_not_in_digest", hidden)]
    assert report["digests"]["invalid"] == 1


def test_log_not_in_digest(tree, records):
    extra, _ = tree["writer"].write_log(records[:3], START + timedelta(hours=1, minutes=30))
    status, report, _ = verify(tree)
    assert status == 1 and kinds(report) == [("log_not_in_digest", extra)]


def test_unknown_key(tree, signing_keys):
    tree["keys"].write_text(json.dumps({"PublicKeyList": [signing_keys[1].export()]}))
    status, report, _ = verify(tree)
    assert status == 1
    assert kinds(report) == [("unknown_key", k) for k in sorted(tree["digests"])]


def test_corrupt_digest_file_is_invalid_not_a_crash(tree):
    victim = tree["digests"][1]
    (tree["root"] / victim).write_bytes(b"\x1f\x8b not really gzip")
    status, report, stderr = verify(tree)
    assert status == 1 and "Traceback" not in stderr
    assert ("digest_invalid", victim) in kinds(report)


def test_keys_rotate_chains_restart_org_layout_and_regions(tmp_path, records, signing_keys):
    """An organization trail in two regions; the key changes mid-chain; logging stops and the chain restarts."""
    root = tmp_path / "bucket"
    east = TrailWriter(root, signing_keys[0], org="o-abc1234567", prefix="audit")
    first = east.hours(records, START, 2)
    east.key = signing_keys[1]  # the region's key rotated
    second = east.hours(records, START + timedelta(hours=2), 1)
    older_head = east.head
    east.digest(START + timedelta(hours=6), [], restart=True)  # logging was stopped, then started again
    west = TrailWriter(root, signing_keys[1], org="o-abc1234567", prefix="audit", region="eu-west-1")
    west.hours([dict(r, awsRegion="eu-west-1") for r in records[:40]], START + timedelta(hours=1), 1)
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"PublicKeyList": [signing_keys[0].export(epoch=True), signing_keys[1].export()]}))
    signatures = tmp_path / "signatures.json"
    heads = {k: v for k, v in {**east.signatures, **west.signatures}.items() if k in (older_head, east.head, west.head)}
    signatures.write_text(json.dumps(heads))
    tree = {"root": root, "keys": keys, "signatures": signatures}
    status, report, _ = verify(tree)
    assert (status, report["problems"]) == (0, [])
    assert report["digests"] == {"valid": 5, "invalid": 0}
    assert all(k.startswith("audit/AWSLogs/o-abc1234567/111122223333/") for k in first + second)
    # Without the older chain's head signature, that head alone is unverified.
    signatures.write_text(json.dumps({k: v for k, v in heads.items() if k != older_head}))
    status, report, _ = verify(tree)
    assert (status, kinds(report)) == (0, [("head_unverified", older_head)])


def test_time_range(tree):
    status, report, _ = verify(tree, "--from", "2023-07-10T12:00:00Z", "--to", "2023-07-10T13:00:00Z")
    assert status == 0 and report["digests"] == {"valid": 2, "invalid": 0}


@pytest.mark.parametrize("mutate, message", [
    (lambda t: shutil.rmtree(t["root"] / "AWSLogs"), "LOGS: no CloudTrail digest files under"),
    (lambda t: t["keys"].write_text('{"Keys": []}'), "has no PublicKeyList"),
    (lambda t: t["keys"].write_text('{"PublicKeyList": []}'), "has an empty PublicKeyList, so no digest can be"),
    (lambda t: t["keys"].write_text('{"PublicKeyList": [{"Value": "!!", "Fingerprint": "ab"}]}'),
     "Value is not a base64 DER RSA public key"),
    (lambda t: t["signatures"].write_text('["not", "a", "map"]'), "must map digest S3 keys to hex signatures"),
])
def test_bad_input_is_a_clear_usage_error(tree, mutate, message):
    mutate(tree)
    status, report, stderr = verify(tree)
    assert (status, report) == (2, None)
    assert stderr.startswith("error: ") and message in stderr and "Traceback" not in stderr


def test_make_verify_contract(tree):
    import os
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
    result = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "verify", f"LOGS={tree['root']}",
                             f"KEYS={tree['keys']}", f"SIGNATURES={tree['signatures']}", "FORMAT=json"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"digests": {"valid": 4, "invalid": 0}, "logs": {"valid": 4, "invalid": 0},
                                         "problems": []}


def test_make_verify_without_logs_and_keys_names_both():
    import os
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "LOGS", "KEYS")}
    result = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "verify"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[0] == (
        "error: LOGS and KEYS required: LOGS=<the bucket copy's root, holding AWSLogs/> "
        "KEYS=<`aws cloudtrail list-public-keys --output json` export>")
