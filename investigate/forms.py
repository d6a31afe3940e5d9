"""What each file under LOGS is, decided from its content (never from its extension alone), and the
readers for the forms of CloudTrail events that are not trail log files.

Forms of CloudTrail events read (``EVENT_FORMS``):

- ``records``: a trail's log file, ``{"Records": [<event>, ...]}`` (AWS CloudTrail User Guide, "CloudTrail
  log file examples"), gzip or plain.
- ``json_lines``: one event object per line, as log pipelines write them; a line may start with the
  ISO-8601 timestamp and a space that a CloudWatch Logs export to S3 puts before each message.
- ``lookup_events``: the output of ``aws cloudtrail lookup-events`` (the LookupEvents API's response,
  ``{"Events": [{"EventId", "EventName", ..., "CloudTrailEvent": "<the event as JSON text>"}], "NextToken"}``;
  CloudTrail API Reference, "LookupEvents" and "Event"), or a list of such responses (pages).
- ``event_array``: a JSON array of event objects. The console's Event history "Export to JSON" download
  is read whether it is this array or a ``{"Records": [...]}`` document; AWS's page ("Working with
  CloudTrail Event history", Downloading events) says only "CSV or JSON", not the shape.

Files that are not CloudTrail events are classified (digest, Insights, Config history / snapshot, Config's
writability check, Event history CSV, other JSON, not JSON, unreadable) and never counted as loaded.
The Event history CSV download is recognised but not read: AWS does not document its columns, and it
carries the console's summary columns rather than the event records the queries need.
"""
from __future__ import annotations

import gzip
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from cloudtrail.layout import is_insight_key

EVENT_FORMS = {
    "records": 'CloudTrail log files ({"Records": [...]})',
    "json_lines": "JSON lines (one event per line)",
    "lookup_events": "aws cloudtrail lookup-events output",
    "event_array": "JSON arrays of events (Event history download)",
}
OTHER_KINDS = {
    "digest": "CloudTrail digest files (for make verify)",
    "insights": "CloudTrail Insights files (another record schema)",
    "config_history": "AWS Config history files",
    "config_snapshot": "AWS Config snapshot files",
    "config_writability": "AWS Config ConfigWritabilityCheckFile",
    "event_history_csv": "Event history CSV downloads (not read: export JSON instead)",
    "other_json": "other JSON (not CloudTrail events)",
    "not_json": "not JSON",
    "unreadable": "unreadable",
    "empty": "empty files",
}
SNIFF = 65536
_FIRST_KEY = re.compile(rb'^\{\s*"((?:[^"\\]|\\.)*)"\s*:')
_INSIGHT = re.compile(rb'"eventCategory"\s*:\s*"Insight"|"eventType"\s*:\s*"AwsCloudTrailInsight"')
_CWL_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})? (?=\{)")
_EVENT_KEYS = {"eventVersion", "eventTime", "eventName", "eventSource"}


@dataclass
class Kind:
    """What a file is: an event form (``EVENT_FORMS``) or another kind (``OTHER_KINDS``); ``why`` says
    what made it so when that helps the reader (an unreadable file's error). ``prefixed``: JSON lines whose
    first line does not start with its object (a CloudWatch Logs timestamp, a byte-order mark)."""
    kind: str
    gzip: bool = False
    why: str = ""
    prefixed: bool = False

    @property
    def events(self) -> bool:
        return self.kind in EVENT_FORMS


def _head(path: Path, size: int = SNIFF) -> tuple[bytes, bool]:
    """The first ``size`` bytes of the content (inflated when the file is gzip, by its magic number)."""
    with open(path, "rb") as handle:
        chunk = handle.read(size)
        if chunk[:2] != b"\x1f\x8b":
            return chunk, False
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        out = b""
        while chunk and len(out) < size:
            out += inflater.decompress(chunk, size - len(out))
            if inflater.eof:
                break
            chunk = handle.read(size)
    return out, True


def looks_like_event(value: Any) -> bool:
    return isinstance(value, dict) and len(_EVENT_KEYS & value.keys()) >= 2


def classify(path: Path, size: int = 8192) -> Kind:
    """The kind of one file, from its first 8 KiB (inflated; 64 KiB when its first line is longer) and,
    for unusual shapes, its whole content."""
    if path.name == "ConfigWritabilityCheckFile":
        return Kind("config_writability")
    try:
        head, compressed = _head(path, size)
    except (OSError, zlib.error, EOFError) as error:
        return Kind("unreadable", why=f"not a readable gzip stream ({error})")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return Kind("empty", compressed)
    if text[:1] == b"{":
        key = _FIRST_KEY.match(text)
        first = key.group(1).decode("utf-8", "replace") if key else None
        if first == "Records":
            if is_insight_key(path.as_posix()) or _INSIGHT.search(text[:4096]):
                return Kind("insights", compressed)
            return Kind("records", compressed)
        if first == "Events":
            return Kind("lookup_events", compressed)
        if first in ("awsAccountId", "digestStartTime") and b'"digestEndTime"' in text:
            return Kind("digest", compressed)
        if first == "fileVersion":
            if b'"configSnapshotId"' in text:
                return Kind("config_snapshot", compressed)
            if b'"configurationItems"' in text:
                return Kind("config_history", compressed)
        line = text.split(b"\n", 1)[0]
        if b"\n" not in text and len(head) >= size and size < SNIFF:
            return classify(path, SNIFF)  # the first line goes on beyond what was read
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if looks_like_event(value):
            return Kind("json_lines", compressed, prefixed=not head.lstrip().startswith(b"{"))
        return _by_whole_content(path, compressed)
    if text[:1] == b"[":
        return _by_whole_content(path, compressed)
    first_line = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    if _CWL_PREFIX.match(first_line):
        try:
            if looks_like_event(json.loads(first_line[_CWL_PREFIX.match(first_line).end():])):
                return Kind("json_lines", compressed, prefixed=True)
        except ValueError:
            pass
    if "," in first_line and re.search(r"(?i)\bevent ?(name|time|id)\b", first_line):
        return Kind("event_history_csv", compressed)
    return Kind("not_json", compressed)


def _by_whole_content(path: Path, compressed: bool) -> Kind:
    """Shapes that the first key does not settle (keys in another order, arrays): parse the whole file."""
    try:
        value = json.loads(read_bytes(path))
    except (OSError, EOFError, zlib.error) as error:
        return Kind("unreadable", compressed, f"could not be read ({error})")
    except ValueError as error:
        return Kind("not_json", compressed, f"not JSON ({error})")
    if isinstance(value, dict):
        if isinstance(value.get("Records"), list):
            return Kind("records", compressed)
        if isinstance(value.get("Events"), list):
            return Kind("lookup_events", compressed)
        if "digestEndTime" in value and "logFiles" in value:
            return Kind("digest", compressed)
        if "configurationItems" in value:
            return Kind("config_snapshot" if "configSnapshotId" in value else "config_history", compressed)
        return Kind("other_json", compressed)
    if isinstance(value, list) and value:
        if all(isinstance(v, dict) and isinstance(v.get("Events"), list) for v in value):
            return Kind("lookup_events", compressed)
        if any(looks_like_event(v) for v in value):
            return Kind("event_array", compressed)
    return Kind("other_json", compressed)


def read_bytes(path: Path) -> bytes:
    """The file's content, inflated when it is gzip (all members, as a reader of the evidence would)."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


@dataclass
class BadRecord:
    """A record that could not be read: its file, its position in the file, and why."""
    file: str
    position: str
    why: str


def _lookup_events(value: Any) -> Iterator[tuple[str, Any]]:
    pages = value if isinstance(value, list) else [value]
    for p, page in enumerate(pages):
        events = page.get("Events") if isinstance(page, dict) else None
        where = f"[{p}]." if isinstance(value, list) else ""
        for i, event in enumerate(events or []):
            position = f"{where}Events[{i}]"
            text = event.get("CloudTrailEvent") if isinstance(event, dict) else None
            if not isinstance(text, str):
                yield position, ValueError("no CloudTrailEvent text")
                continue
            try:
                yield position, json.loads(text)
            except ValueError as error:
                yield position, ValueError(f"CloudTrailEvent is not JSON ({error})")


def events_of(path: Path, kind: str) -> Iterator[tuple[str, Any]]:
    """(position, record) for each event of a file of an event form; a record that cannot even be parsed
    comes as (position, ValueError). Raises OSError/ValueError when the file as a whole cannot be read."""
    content = read_bytes(path)
    if kind == "json_lines":
        for number, line in enumerate(content.decode("utf-8-sig", "replace").splitlines(), 1):
            if not line.strip():
                continue
            prefix = _CWL_PREFIX.match(line)
            try:
                yield f"line {number}", json.loads(line[prefix.end():] if prefix else line)
            except ValueError as error:
                yield f"line {number}", ValueError(f"not JSON ({error})")
        return
    value = json.loads(content)
    if kind == "lookup_events":
        yield from _lookup_events(value)
    elif kind == "records":
        for i, record in enumerate(value["Records"]):
            yield f"Records[{i}]", record
    elif kind == "event_array":
        for i, record in enumerate(value):
            yield f"[{i}]", record
    else:
        raise ValueError(f"{kind} files hold no events")


def type_problem(value: Any, t, where: str) -> Optional[str]:
    """Why ``value`` cannot be read as schema type ``t`` (see cloudtrail.schema), or None.

    Strings accept any JSON value (a number or an object is kept as its JSON text, as Athena's JSON SerDe
    does); objects, arrays and maps must be what they say or null."""
    if value is None or t in ("string", "json"):
        return None
    kind, inner = t
    if kind == "struct":
        if not isinstance(value, dict):
            return f"{where} is {_json_type(value)}, expected an object"
        for _name, key, sub in inner:
            problem = type_problem(value.get(key), sub, f"{where}.{key}")
            if problem:
                return problem
        return None
    if kind == "array":
        if not isinstance(value, list):
            return f"{where} is {_json_type(value)}, expected an array"
        for i, item in enumerate(value):
            problem = type_problem(item, inner, f"{where}[{i}]")
            if problem:
                return problem
        return None
    if not isinstance(value, dict):
        return f"{where} is {_json_type(value)}, expected an object"
    return None


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def record_problem(record: Any, columns) -> Optional[str]:
    """Why a record cannot be loaded (not an object, a field of the wrong type), or None."""
    if not isinstance(record, dict):
        return f"the record is {_json_type(record)}, not an event object"
    for _name, key, t in columns:
        problem = type_problem(record.get(key), t, key)
        if problem:
            return problem
    return None



def to_lines(job: tuple) -> tuple:
    """Worker: a JSON lines file -> an NDJSON file of ``{"f": <file id>, "p": "line <n>", "r": <event>}``
    lines, the tagged lines that ``split_records`` also writes.

    ``job`` is (file id, path, output path). Returns (file id, lines written, error or "") where error
    says why the file as a whole could not be read. Records are not checked here; DuckDB's typed read
    and the loader's fallback find the bad ones."""
    file_id, path, out = job
    written = 0
    try:
        content = read_bytes(Path(path))
        with open(out, "w") as sink:
            for number, line in enumerate(content.decode("utf-8-sig", "replace").splitlines(), 1):
                if line.strip():
                    sink.write(f'{{"f":{file_id},"p":"line {number}","r":{line}}}\n')
                    written += 1
    except (OSError, EOFError, zlib.error, ValueError) as error:
        return file_id, written, f"{type(error).__name__}: {str(error)[:200]}"
    return file_id, written, ""


_ENVELOPE = re.compile(rb'^\s*\{\s*"Records"\s*:\s*\[')
_NEXT_RECORD = b'},{"eventVersion":'


def split_records(job: tuple) -> tuple:
    """A trail log file as CloudTrail writes it — compact ``{"Records":[{"eventVersion":...},...]}`` — to
    tagged lines (as ``to_lines``) by cutting the text between records, without parsing it here.

    ``job`` is (file id, path, output path). Returns (file id, lines written, "") or (file id, 0, why)
    when the file does not have that shape (the loader then reads it another way). A cut inside a string
    value would leave broken JSON on both sides: DuckDB's typed read then fails and the loader reads the
    file record by record, so the shortcut never changes an answer."""
    file_id, path, out = job
    try:
        content = read_bytes(Path(path))
    except (OSError, EOFError, zlib.error) as error:
        return file_id, 0, f"{type(error).__name__}: {error}"
    envelope = _ENVELOPE.match(content)
    body = content[envelope.end():].rstrip() if envelope else b""
    if not envelope or not body.endswith(b"]}"):
        return file_id, 0, "not a compact Records document"
    body = body[:-2].rstrip()
    if not body:
        open(out, "wb").close()
        return file_id, 0, ""
    if not body.startswith(b'{"eventVersion":"') or not body.endswith(b"}"):
        return file_id, 0, "not compact, or records do not start with eventVersion"
    parts = body[1:-1].split(_NEXT_RECORD)
    head = b'{"f":%d,"p":"Records[%%d]","r":{' % file_id
    # parts[0] still begins with "eventVersion":, the others lost it to the cut.
    lines = [head % 0 + parts[0] + b"}}\n"]
    lines += [head % i + b'"eventVersion":' + part + b"}}\n" for i, part in enumerate(parts) if i]
    with open(out, "wb") as sink:
        sink.write(b"".join(lines))
    return file_id, len(parts), ""
