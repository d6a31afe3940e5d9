"""Evidence as responders have it (issue 14): every form read, every file classified and counted, bad
records costing only themselves, partitions from CloudTrail's key layout, the cache; and the integrity
checker on the cases that once raised false alarms or crashed. Inputs are copied in tests/cases/."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cloudtrail.layout import log_partition, parse_digest_key, parse_log_key
from cloudtrail.query_library import saved_queries
from integrity.validate import Damaged, read_delivered

from .conftest import ROOT

CASES = ROOT / "tests/cases"
PYTHON = str(ROOT / ".venv/bin/python")


def run(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([PYTHON, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def query(logs, *, sql=None, name=None, as_of="2023-07-11T00:00:00Z", params=None, cwd=ROOT, extra=()):
    args = ["-m", "investigate", "--logs", str(logs), "--as-of", as_of, "--format", "json", *extra]
    args += ["--sql", sql] if sql else ["--query", name]
    if params:
        args += ["--params", params]
    result = run(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout), result.stderr


def records_in(path: Path) -> list[dict]:
    raw = path.read_bytes()
    return json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)["Records"]


def real_logs(folder: Path) -> list[Path]:
    return sorted(folder.glob("218007301253_CloudTrail_*.json.gz"))


EVENT_IDS = "SELECT eventid FROM cloudtrail ORDER BY eventid"


# ---------------------------------------------------------------- classification (08, D-3)

def test_mixed_bucket_copy_counts_only_cloudtrail_as_loaded():
    """08-mixed-bucket-copy: Config history, snapshot and writability check beside one trail log file."""
    folder = CASES / "evidence/08-mixed-bucket-copy/evidence"
    log = next(folder.rglob("*_CloudTrail_*.json.gz"))
    result, stderr = query(folder, sql=EVENT_IDS)
    assert result["rows"] == sorted([r["eventID"]] for r in records_in(log))
    lines = stderr.splitlines()
    assert '        1 CloudTrail log files ({"Records": [...]}): 3 events' in lines
    assert "        1 AWS Config history files: not loaded" in lines
    assert "        1 AWS Config snapshot files: not loaded" in lines
    assert "        1 AWS Config ConfigWritabilityCheckFile: not loaded" in lines
    assert lines[-1] == "3 records from 1 files (0 unreadable, 3 not CloudTrail events, 0 records skipped)"


def test_json_that_is_not_cloudtrail_is_reported_never_loaded():
    """D-3: other.json and array.json are reported as not CloudTrail logs and not counted as loaded."""
    folder = CASES / "reliability/D-3"
    expected = sorted([r["eventID"]] for p in real_logs(folder) for r in records_in(p))
    result, stderr = query(folder, sql=EVENT_IDS)
    assert result["rows"] == expected
    for name in ("array.json", "other.json"):
        assert f"warning: not loaded: {folder / name}: not a CloudTrail log (JSON of another kind)" in stderr
    assert stderr.splitlines()[-1] == (f"{len(expected)} records from 5 files (0 unreadable, 2 not CloudTrail "
                                       "events, 0 records skipped)")


def test_a_file_with_nothing_usable_is_reported(tmp_path):
    (tmp_path / "good.json").write_text(json.dumps({"Records": records_in(real_logs(CASES / "reliability/D-3")[0])}))
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "no-events.json").write_text('{"Records": []}')
    (tmp_path / "notes.txt").write_text("responder notes, not JSON")
    _result, stderr = query(tmp_path, sql="SELECT count(*) FROM cloudtrail")
    assert f"warning: not loaded: {tmp_path / 'empty.json'}: the file is empty" in stderr
    assert f"warning: not loaded: {tmp_path / 'no-events.json'}: it holds no events" in stderr
    assert f"warning: not loaded: {tmp_path / 'notes.txt'}: not a CloudTrail log (not JSON)" in stderr


def test_only_files_that_are_not_events_is_a_usage_error(tmp_path):
    (tmp_path / "other.json").write_text('{"foo": 1}')
    result = run("-m", "investigate", "--sql", "SELECT 1", "--logs", str(tmp_path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: LOGS: none of the 1 files under {tmp_path} holds CloudTrail events "
                             "(1 other JSON (not CloudTrail events))\n")


# ---------------------------------------------------------------- bad records (D-10, D-11) and paths (D-20)

@pytest.mark.parametrize("case, bad_file, why", [
    ("D-10", "eventtime-bad.json", "eventTime 'yesterday' is not an ISO-8601 time"),
    ("D-11", "useridentity-string.json", "userIdentity is a string, expected an object"),
])
def test_one_bad_record_costs_only_itself(case, bad_file, why):
    folder = CASES / "reliability" / case
    bad = records_in(folder / bad_file)
    expected = sorted([r["eventID"]] for r in [*(r for p in real_logs(folder) for r in records_in(p)), *bad[1:]])
    result, stderr = query(folder, sql=EVENT_IDS)
    assert result["rows"] == expected
    assert f"warning: record skipped: {folder / bad_file}: Records[0]: {why}" in stderr.splitlines()
    assert [r["eventID"] for r in bad[1:]] and all([r["eventID"]] in expected for r in bad[1:])


def test_every_saved_query_answers_beside_a_bad_record():
    """D-10: with the bad record left out, every saved query runs over the other records."""
    folder = CASES / "reliability/D-10"
    params = {"calls_from_ip": "ip_address=192.168.10.20", "writes_to_resource": "resource=x"}
    for name in saved_queries():
        result, _stderr = query(folder, name=name, params=params.get(name))
        assert result["columns"][0] == "eventtime", name


def test_file_names_are_paths_not_patterns():
    """D-20: x*.json, y[ab].json beside xa.json and xb.json: each file read once."""
    folder = CASES / "reliability/D-20"
    expected = sorted([r["eventID"]] for p in folder.iterdir() for r in records_in(p))
    assert len(expected) == len({tuple(e) for e in expected})
    result, _ = query(folder, sql=EVENT_IDS)
    assert result["rows"] == expected


# ---------------------------------------------------------------- forms: one saved query, same rows

def _same_rows_in_both_forms(tmp_path, write_form, name="unauthorized_api_calls", params=None):
    source = real_logs(CASES / "reliability/D-3")
    events = [r for p in source for r in records_in(p)]
    as_records = tmp_path / "records"
    as_records.mkdir()
    (as_records / "log.json").write_text(json.dumps({"Records": events}))
    other = tmp_path / "other"
    other.mkdir()
    write_form(other, events)
    expected, _ = query(as_records, name=name, params=params)
    result, stderr = query(other, name=name, params=params)
    assert expected["rows"], "the saved query finds nothing in these events: the comparison would be empty"
    assert result == expected
    return stderr, len(events)


def test_json_lines_answer_as_the_records_form(tmp_path):
    """09-jsonl-events is read (it was silently zero records); a log pipeline's JSON lines, gzip or not."""
    result, stderr = query(CASES / "evidence/09-jsonl-events/evidence", name="deleted_buckets_last_7_days")
    assert [row[:3] + [row[5]] for row in result["rows"]] == [
        ["2023-07-10T12:30:00Z", "s3.amazonaws.com", "DeleteBucket", "arn:aws:iam::111122223333:user/alice"],
        ["2023-07-10T12:28:40Z", "s3.amazonaws.com", "DeleteBucket", "arn:aws:iam::111122223333:root"]]
    assert "        1 JSON lines (one event per line): 2 events" in stderr.splitlines()

    def write(folder, events):
        text = "".join(json.dumps(e) + "\n" for e in events)
        (folder / "half.jsonl.gz").write_bytes(gzip.compress(text[: len(text) // 2].rsplit("\n", 1)[0].encode()
                                                             + b"\n"))
        (folder / "rest.log").write_text(text[len(text[: len(text) // 2].rsplit("\n", 1)[0]) + 1:])
    stderr, count = _same_rows_in_both_forms(tmp_path, write)
    assert f"        2 JSON lines (one event per line): {count} events" in stderr.splitlines()


def test_cloudwatch_logs_export_lines_answer_as_the_records_form(tmp_path):
    def write(folder, events):
        (folder / "000000.gz").write_bytes(gzip.compress("".join(
            f"{e['eventTime'][:19]}.000Z {json.dumps(e)}\n" for e in events).encode()))
    _same_rows_in_both_forms(tmp_path, write)


def test_json_lines_behind_a_byte_order_mark_lose_no_record(tmp_path):
    """A UTF-8 byte-order mark before the first line (Windows editors and some exporters write one) used to
    cost that first record; plain and gzip files, plain lines and CloudWatch Logs export lines."""
    def write(folder, events):
        half = len(events) // 2
        (folder / "plain.jsonl").write_bytes(b"\xef\xbb\xbf" + "".join(
            json.dumps(e) + "\n" for e in events[:half]).encode())
        (folder / "export.gz").write_bytes(gzip.compress(b"\xef\xbb\xbf" + "".join(
            f"{e['eventTime'][:19]}.000Z {json.dumps(e)}\n" for e in events[half:]).encode()))
    stderr, _ = _same_rows_in_both_forms(tmp_path, write)
    assert "record skipped" not in stderr


def test_lookup_events_output_answers_as_the_records_form(tmp_path):
    """`aws cloudtrail lookup-events` output: the event is JSON text in CloudTrailEvent; pages as a list too."""
    def page(events):
        return {"Events": [{"EventId": e["eventID"], "EventName": e["eventName"], "ReadOnly": "true",
                            "EventTime": e["eventTime"], "EventSource": e["eventSource"],
                            "Resources": [], "CloudTrailEvent": json.dumps(e)} for e in events], "NextToken": "t"}

    def write(folder, events):
        (folder / "lookup-1.json").write_text(json.dumps(page(events[:50]), indent=2))
        (folder / "lookup-2").write_text(json.dumps([page(events[50:100]), page(events[100:])]))
    stderr, count = _same_rows_in_both_forms(tmp_path, write)
    assert f"        2 aws cloudtrail lookup-events output: {count} events" in stderr.splitlines()


def test_event_history_download_answers_as_the_records_form(tmp_path):
    """The console's Event history JSON download: an array of events (or a Records document)."""
    def write(folder, events):
        (folder / "event_history.json").write_text(json.dumps(events, indent=1))
    stderr, count = _same_rows_in_both_forms(tmp_path, write)
    assert f"        1 JSON arrays of events (Event history download): {count} events" in stderr.splitlines()


def test_event_history_csv_is_named_not_read(tmp_path):
    (tmp_path / "log.json").write_text(json.dumps({"Records": records_in(real_logs(CASES / "reliability/D-3")[0])}))
    (tmp_path / "event_history.csv").write_text("Event name,Event time,User name,Event source\nDeleteBucket,"
                                                "2023-07-10T12:28:40Z,root,s3.amazonaws.com\n")
    _result, stderr = query(tmp_path, sql="SELECT count(*) FROM cloudtrail")
    assert (f"warning: not loaded: {tmp_path / 'event_history.csv'}: an Event history CSV download: not read "
            "(export JSON instead)") in stderr


# ---------------------------------------------------------------- partitions

def test_partitions_from_the_key_in_cloudtrail_layout_else_from_the_record(tmp_path):
    events = records_in(real_logs(CASES / "reliability/D-3")[0])[:3]
    inside = tmp_path / "bucket/AWSLogs/o-abcdef1234/999988887777/CloudTrail/eu-west-3/2024/01/31"
    inside.mkdir(parents=True)
    (inside / "999988887777_CloudTrail_eu-west-3_20240131T2355Z_abcdefghijklmnop.json.gz").write_bytes(
        gzip.compress(json.dumps({"Records": events}).encode()))
    outside = tmp_path / "bucket/exports"
    outside.mkdir()
    (outside / "more.json").write_text(json.dumps({"Records": events}))
    result, _ = query(tmp_path / "bucket", sql="SELECT DISTINCT account, region, date FROM cloudtrail ORDER BY 1")
    first = events[0]
    assert result["rows"] == sorted([["999988887777", "eu-west-3", "2024/01/31"],
                                     [first["recipientAccountId"], first["awsRegion"],
                                      first["eventTime"][:10].replace("-", "/")]])


def test_layout_module():
    assert log_partition("/x/AWSLogs/123456789012/CloudTrail/us-east-1/2023/07/10/a.json.gz").date == "2023/07/10"
    assert log_partition("/x/AWSLogs/123456789012/CloudTrail/us-east-1/2023/13/40/a.json.gz") is None
    assert log_partition("/x/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2023/07/10/a.json.gz") is None
    assert parse_log_key("AWSLogs/111122223333/CloudTrail/us-east-1/2023/07/10/"
                         "111122223333_CloudTrail_us-east-1_20231340T9905Z_u8jzPde0IgxLd6Gn.json.gz") is None
    name = parse_digest_key("p/AWSLogs/o-aaaaaaaaaa/111122223333/CloudTrail-Digest/us-east-1/2023/07/10/111122223333_"
                            "CloudTrail-Digest_us-east-1_my_trail_us-east-1_20230710T010000Z_backfill.json.gz")
    assert (name.trail, name.backfill, name.end.hour) == ("my_trail", True, 1)


# ---------------------------------------------------------------- the cache

def test_cache_is_built_reused_and_rebuilt_when_files_change(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    source = real_logs(CASES / "reliability/D-3")
    for p in source[:2]:
        shutil.copy(p, logs / p.name)
    work = tmp_path / "work"
    work.mkdir()
    count = "SELECT count(*) FROM cloudtrail"
    first, stderr = query(logs, sql=count, cwd=work)
    assert "read from the cache" not in stderr and len(list((work / ".evidence-cache").glob("*.duckdb"))) == 1
    again, stderr = query(logs, sql=count, cwd=work)
    assert again == first and "(2 unchanged, read from the cache)" in stderr
    # A changed file is read again, a removed one forgotten, a new one added.
    (logs / source[0].name).write_text(json.dumps({"Records": records_in(source[0])[:1]}))
    (logs / source[1].name).unlink()
    shutil.copy(source[2], logs / source[2].name)
    changed, stderr = query(logs, sql=count, cwd=work)
    assert changed["rows"] == [[1 + len(records_in(source[2]))]] and "read from the cache" not in stderr
    # --no-cache reads without touching the cache.
    (work / ".evidence-cache").rename(work / "kept")
    fresh, _ = query(logs, sql=count, cwd=work, extra=["--no-cache"])
    assert fresh == changed and not (work / ".evidence-cache").exists()


def test_progress_bar_on_stderr_for_many_files(tmp_path):
    event = records_in(real_logs(CASES / "reliability/D-3")[0])[0]
    for i in range(60):
        (tmp_path / f"{i:02}.json").write_text(json.dumps(dict(event, eventID=f"e{i}")))
    result, stderr = query(tmp_path, sql="SELECT count(*) FROM cloudtrail", extra=["--no-cache"])
    assert result["rows"] == [[60]]
    assert "reading evidence: 100% (60/60 files)" in stderr


# ---------------------------------------------------------------- integrity

def verify(case: Path, logs: str = "evidence", signatures: str = "signatures.json"):
    result = run("-m", "integrity", "--logs", str(case / logs), "--keys", str(case / "keys.json"),
                 "--signatures", str(case / signatures), "--format", "json")
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout) if result.stdout else None, result.stderr


def kinds(report):
    return [(p["kind"], p["path"].rsplit("/", 1)[1]) for p in report["problems"]]


DIGEST = "111122223333_CloudTrail-Digest_us-east-1_audit-trail_us-east-1_20230710T{}Z.json.gz"
LOG = "111122223333_CloudTrail_us-east-1_20230710T{}.json.gz"


def test_backfill_digest_validates_clean():
    """12-backfill-digest: the backfill digest lists the late log; an intact bucket validates clean."""
    status, report, _ = verify(CASES / "evidence/12-backfill-digest")
    assert (status, report) == (0, {"digests": {"valid": 3, "invalid": 0}, "logs": {"valid": 3, "invalid": 0},
                                    "problems": []})


def test_every_missing_digest_of_a_gap_is_named():
    """10-two-digests-deleted: the digests ending 03:00 and 04:00 are both named, with the gap's range."""
    status, report, _ = verify(CASES / "evidence/10-two-digests-deleted")
    assert status == 1
    assert kinds(report) == [("digest_missing", DIGEST.format("030000")), ("digest_missing", DIGEST.format("040000")),
                             ("log_not_in_digest", LOG.format("0205Z_OL8dKLzdocJ2isAj")),
                             ("log_not_in_digest", LOG.format("0305Z_IhKtJ0RlgLKOmxgJ")),
                             ("head_unverified", DIGEST.format("020000"))]
    gap = {"from": "2023-07-10T02:00:00Z", "to": "2023-07-10T04:00:00Z"}
    assert [p["gap"] for p in report["problems"][:2]] == [gap, gap]
    assert "gap from 2023-07-10T02:00:00Z to 2023-07-10T04:00:00Z" in report["problems"][2]["detail"]


@pytest.mark.parametrize("variant, what", [("a-second-member", "(a second gzip member)"), ("b-garbage", "stream:"),
                                           ("c-nul-padding", "(zero bytes)")])
def test_data_after_the_gzip_stream_is_a_modified_log(variant, what):
    """11-gzip-appended-data: stricter than aws-cli before 1.45.12; the object is not the one delivered."""
    status, report, _ = verify(CASES / "evidence/11-gzip-appended-data", f"evidence/{variant}",
                               f"signatures-{variant}.json")
    assert status == 1 and kinds(report) == [("log_modified", LOG.format("0005Z_u8jzPde0IgxLd6Gn"))]
    assert what in report["problems"][0]["detail"] and "bytes follow the end of its gzip stream" in \
        report["problems"][0]["detail"]
    assert report["digests"] == {"valid": 1, "invalid": 0}


@pytest.mark.parametrize("case, why", [
    ("E-2", "unreadable digest file: its gzip data does not inflate"),
    ("E-10", "digestEndTime 'yesterday' is not a time"),
])
def test_damaged_digest_is_reported_and_the_rest_still_judged(case, why):
    status, report, _ = verify(CASES / "reliability" / case, "logs")
    assert status == 1
    assert kinds(report) == [("digest_invalid", DIGEST.format("120000")),
                             ("log_not_in_digest", LOG.format("1105Z_u8jzPde0IgxLd6Gn")),
                             ("log_not_in_digest", LOG.format("1115Z_cfBAepfJBd0Kh8oO"))]
    assert report["problems"][0]["detail"].startswith(why)
    assert report["digests"] == {"valid": 2, "invalid": 1} and report["logs"] == {"valid": 2, "invalid": 2}


def test_log_with_an_impossible_name_is_reported():
    status, report, _ = verify(CASES / "reliability/E-12", "logs")
    assert status == 1 and kinds(report) == [("log_not_in_digest", LOG.format("9905Z_u8jzPde0IgxLd6Gn")
                                              .replace("20230710T", "20231340T"))]
    assert "its name is not one CloudTrail writes" in report["problems"][0]["detail"]


def test_signatures_that_are_not_hex_are_a_usage_error():
    case = CASES / "reliability/E-7"
    status, report, stderr = verify(case, "logs")
    assert (status, report) == (2, None)
    assert stderr.startswith(f"error: SIGNATURES: {case / 'signatures.json'}: the signature of AWSLogs/") and \
        "is not hex ('zz-not-hex')" in stderr


def test_read_delivered_is_strict(tmp_path):
    body = b'{"Records": []}'
    path = tmp_path / "x.json.gz"
    path.write_bytes(gzip.compress(body))
    assert read_delivered(path) == (path.stat().st_size, body)
    for tail, message in ((b"\x00" * 8, "8 bytes follow the end of its gzip stream (zero bytes)"),
                          (gzip.compress(b"x"), "(a second gzip member)")):
        path.write_bytes(gzip.compress(body) + tail)
        with pytest.raises(Damaged, match=message.replace("(", r"\(").replace(")", r"\)")):
            read_delivered(path)
    path.write_bytes(gzip.compress(body)[:-6])
    with pytest.raises(Damaged, match="truncated"):
        read_delivered(path)


def test_rows_of_a_stopped_run_are_dropped(tmp_path):
    """A run stopped after a batch but before it recorded its files leaves rows no file owns."""
    import duckdb
    logs = tmp_path / "logs"
    logs.mkdir()
    source = real_logs(CASES / "reliability/D-3")[0]
    shutil.copy(source, logs / source.name)
    count = "SELECT count(*) FROM cloudtrail"
    first, _ = query(logs, sql=count, cwd=tmp_path)
    database = next((tmp_path / ".evidence-cache").glob("*.duckdb"))
    con = duckdb.connect(str(database))
    con.execute("INSERT INTO evidence_events SELECT * REPLACE (file_id + 1 AS file_id) FROM evidence_events")
    con.close()
    shutil.copy(source, logs / "copy-added-later.json.gz")
    again, _ = query(logs, sql=count, cwd=tmp_path)
    assert again["rows"] == [[2 * first["rows"][0][0]]]


def test_compact_log_files_are_cut_between_records_and_checked(tmp_path):
    """CloudTrail's compact files are cut between records without parsing; a record in another key order
    (the cut misses it) still loads, through the document reader: same rows either way."""
    from investigate.forms import split_records
    source = real_logs(CASES / "reliability/D-3")[0]
    records = records_in(source)
    assert split_records((3, str(source), str(tmp_path / "lines")))[1:] == (len(records), "")
    lines = [json.loads(line) for line in (tmp_path / "lines").read_text().splitlines()]
    assert [(x["f"], x["p"], x["r"]) for x in lines] == [(3, f"Records[{i}]", r) for i, r in enumerate(records)]
    shuffled = [records[0], dict(sorted(records[1].items())), *records[2:]]
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json.gz").write_bytes(gzip.compress(json.dumps({"Records": shuffled}, separators=(",", ":"))
                                                   .encode()))
    result, stderr = query(logs, sql=EVENT_IDS)
    assert result["rows"] == sorted([r["eventID"]] for r in records)
    assert stderr.splitlines()[-1] == (f"{len(records)} records from 1 files (0 unreadable, 0 not CloudTrail events, "
                                       "0 records skipped)")


def test_digests_and_insights_beside_logs_are_counted_never_loaded(tmp_path):
    """A bucket copy holds digest files and Insights files beside the logs: each is named, none is loaded."""
    shutil.copytree(CASES / "evidence/12-backfill-digest/evidence", tmp_path / "bucket")
    insight = {"Records": [{"eventVersion": "1.07", "eventTime": "2023-07-10T00:30:00Z", "awsRegion": "us-east-1",
                            "eventID": "11111111-2222-3333-4444-555555555555", "eventType": "AwsCloudTrailInsight",
                            "recipientAccountId": "111122223333", "insightDetails": {"state": "Start"},
                            "eventCategory": "Insight"}]}
    folder = tmp_path / "bucket/AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2023/07/10"
    folder.mkdir(parents=True)
    (folder / "111122223333_CloudTrail-Insight_us-east-1_20230710T0030Z_abcdefghijklmnop.json.gz").write_bytes(
        gzip.compress(json.dumps(insight).encode()))
    (tmp_path / "bucket/insight-copy.json").write_text(json.dumps(insight))  # outside the layout: by content
    result, stderr = query(tmp_path / "bucket", sql="SELECT count(*) AS n FROM cloudtrail")
    assert result["rows"] == [[3]]
    lines = stderr.splitlines()
    assert "        3 CloudTrail digest files (for make verify): not loaded" in lines
    assert "        2 CloudTrail Insights files (another record schema): not loaded" in lines
    assert lines[-1] == "3 records from 3 files (0 unreadable, 5 not CloudTrail events, 0 records skipped)"
