"""Load every form of CloudTrail evidence under LOGS into DuckDB, as the table ``cloudtrail``: the Athena
table's columns (``cloudtrail.schema.COLUMNS``) and its projected partitions (account, region, date).

How files become rows:

- Every file under LOGS is classified by its content (``investigate.forms``) and counted; only files of an
  event form are read, so digests, Insights, Config files and other JSON are never counted as loaded.
- Trail log files as CloudTrail writes them (compact, each record starting with eventVersion) are cut
  between records into tagged lines ``{"f": <file id>, "p": "Records[i]", "r": <record>}`` (two threads,
  at most 128 files ahead, so that the next batch is cut while DuckDB reads this one; the staged lines
  sit in a private temporary folder on disk, not in memory) and read by DuckDB's typed line reader, a
  row group per batch; JSON lines are tagged the same way. Other shapes of ``{"Records": [...]}`` are read by DuckDB as whole documents
  (``read_json_objects`` and a lenient ``json_transform``) through links named by file id. No evidence
  path is ever given to DuckDB, so none is expanded as a glob (``x*.json``). Bounded memory: one batch
  at a time, rows go to a database file, never to a whole-set table in memory.
- A file DuckDB cannot read whole, a file where a record may not fit the schema (``MISFIT``) or holds an
  eventTime that is not an ISO-8601 time, and the other forms (lookup-events output, event arrays) go
  through Python record by record: a bad record is reported with its file, its position and why, and
  only that record is left out.
- Partitions come from the file's path when it sits in CloudTrail's layout
  (``AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/``), as Athena's partition
  projection computes them; for files outside that layout, from the record: ``recipientAccountId``,
  ``awsRegion`` and the date of ``eventTime`` (``yyyy/MM/dd``).
- The rows are kept in a cache (``.evidence-cache/`` under the current directory, one DuckDB file per
  LOGS folder) keyed by each file's path, size and modification time: unchanged files are not read again,
  changed or removed files' rows are replaced or dropped. ``cache=False`` builds the same database in a
  temporary folder that is removed when the evidence is closed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, TextIO

import duckdb

from cloudtrail.layout import log_partition
from cloudtrail.schema import COLUMNS, PARTITIONS, duckdb_read_type, duckdb_select
from common import UsageError

from .forms import (EVENT_FORMS, OTHER_KINDS, BadRecord, classify, events_of, record_problem,
                    split_records, to_lines)

CACHE_VERSION = "2"
BATCH_BYTES = 8 * 1024 * 1024  # file bytes per DuckDB batch (their documents are held while it is read)
BATCH_FILES = 256  # files per batch (a batch of lines ends at BATCH_LINES first)
BATCH_LINES = 125_000  # events per batch of tagged lines

__all__ = ["UsageError", "Evidence", "LoadReport", "load", "open_evidence"]


RECORD_TYPE = "STRUCT(" + ", ".join(f'"{key}" {duckdb_read_type(t)}' for _n, key, t in COLUMNS) + ")"


def _structure(t) -> object:
    """json_transform's structure for a schema type (lenient: a missing key is NULL, as for Athena)."""
    if t == "string":
        return "VARCHAR"
    if t == "json":
        return "JSON"
    kind, inner = t
    if kind == "struct":
        return {key: _structure(sub) for _n, key, sub in inner}
    if kind == "array":
        return [_structure(inner)]
    return "MAP(VARCHAR, VARCHAR)"


RECORDS_STRUCTURE = json.dumps({"Records": [{key: _structure(t) for _n, key, t in COLUMNS}]})


def _select(partitions: str = "map") -> str:
    """The table's columns from a record ``r``; partitions from the file map ``m`` when it has them."""
    columns = [duckdb_select('r."' + key + '"', t) + f" AS {name}" for name, key, t in COLUMNS]
    from_record = {"account": 'r."recipientAccountId"', "region": 'r."awsRegion"',
                   "date": "replace(substr(r.\"eventTime\", 1, 10), '-', '/')"}
    for name, _type in PARTITIONS:
        columns.append(f"coalesce(m.{name}, {from_record[name]}) AS {name}" if partitions == "map"
                       else f"{from_record[name]} AS {name}")
    return ",\n  ".join(columns)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _staged(stages: list, tagged: bool) -> str:
    """DuckDB's typed read of staged lines ``{"f": <file id>, "p": <position>, "r": <record>}`` as ``s``
    (without ``f`` unless ``tagged``)."""
    columns = ("{'f': 'INTEGER', " if tagged else "{") + f"'p': 'VARCHAR', 'r': {_sql_string(RECORD_TYPE)}}}"
    return (f"read_json([{', '.join(_sql_string(str(s)) for s in stages)}], columns={columns}, "
            "format='newline_delimited', compression='none', maximum_object_size=16777216) AS s")


# A value that an object-typed field of the schema cannot hold (a string, number, boolean or array where
# CloudTrail writes an object, a non-array where it writes an array). DuckDB's cast would make such a field
# NULL without a word, so a file where this matches is read record by record (``slow``), which names the
# record. It may match inside requestParameters too: that file is then merely read the slow way.
def _keys_of(kinds: tuple, columns=COLUMNS) -> set:
    """The JSON keys whose schema type is one of ``kinds`` ("struct", "map", "array"), at any depth."""
    out = set()
    for _name, key, t in columns:
        if isinstance(t, tuple):
            if t[0] in kinds:
                out.add(key)
            inner = t[1] if t[0] == "struct" else t[1][1] if t[0] == "array" and isinstance(t[1], tuple) \
                and t[1][0] == "struct" else []
            out |= _keys_of(kinds, inner)
    return out


_OBJECTS = "|".join(sorted(_keys_of(("struct", "map"))))
_ARRAYS = "|".join(sorted(_keys_of(("array",))))
MISFIT = (f'"(?:{_OBJECTS})"' + r'\s*:\s*(?:[^{n\s]|n[^u])|' + f'"(?:{_ARRAYS})"'
          + r'\s*:\s*(?:[^\[n\s]|n[^u]|\[\s*[^{\]\s])')
VALID_TIME = 'TRY_CAST(r."eventTime" AS TIMESTAMPTZ) IS NOT NULL'


@dataclass
class FileEntry:
    path: str
    size: int
    mtime_ns: int
    kind: str = ""
    records: int = 0
    why: str = ""
    file_id: int = 0
    gzip: bool = False


@dataclass
class LoadReport:
    """What the evidence under LOGS is: every file's kind, the events loaded per form, what was left out."""
    root: str
    files: list = field(default_factory=list)        # FileEntry, every file under LOGS
    bad_records: list = field(default_factory=list)  # BadRecord
    from_cache: int = 0

    @property
    def loaded_files(self) -> list:
        return [f for f in self.files if f.kind in EVENT_FORMS and f.records > 0]

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files if f.kind in EVENT_FORMS)

    def unusable(self) -> list:
        """Files that hold no usable CloudTrail event, with why: unreadable, empty, or every record bad."""
        out = []
        for f in self.files:
            if f.kind in EVENT_FORMS and f.records == 0:
                out.append((f.path, f.why or "no event could be read from it"))
            elif f.kind in ("unreadable", "empty", "not_json", "other_json", "event_history_csv"):
                label = {"other_json": "not a CloudTrail log (JSON of another kind)", "empty": "the file is empty",
                         "not_json": "not a CloudTrail log (not JSON)", "unreadable": "could not read it",
                         "event_history_csv": "an Event history CSV download: not read (export JSON instead)"}
                out.append((f.path, label[f.kind] + (f": {f.why}" if f.why else "")))
        return out

    def write(self, stream: TextIO) -> None:
        """The classification summary, every unusable file and every bad record (stderr of make query)."""
        kinds = Counter(f.kind for f in self.files)
        events = Counter()
        for f in self.files:
            events[f.kind] += f.records
        print(f"evidence under {self.root}: {len(self.files)} files"
              + (f" ({self.from_cache} unchanged, read from the cache)" if self.from_cache else ""), file=stream)
        for kind, label in EVENT_FORMS.items():
            if kinds[kind]:
                print(f"  {kinds[kind]:>7} {label}: {events[kind]} events", file=stream)
        for kind, label in OTHER_KINDS.items():
            if kinds[kind]:
                print(f"  {kinds[kind]:>7} {label}: not loaded", file=stream)
        for path, why in self.unusable():
            print(f"warning: not loaded: {path}: {why}", file=stream)
        for bad in self.bad_records:
            print(f"warning: record skipped: {bad.file}: {bad.position}: {bad.why}", file=stream)
        unreadable = sum(1 for f in self.files if f.kind == "unreadable" or (f.kind in EVENT_FORMS and f.records == 0))
        other = sum(1 for f in self.files if f.kind not in EVENT_FORMS and f.kind != "unreadable")
        print(f"{self.records} records from {len(self.loaded_files)} files ({unreadable} unreadable, "
              f"{other} not CloudTrail events, {len(self.bad_records)} records skipped)", file=stream)


class Progress:
    """A progress bar on stderr (redrawn in place on a terminal; a line per tenth otherwise)."""

    def __init__(self, total_bytes: int, files: int, stream: TextIO = sys.stderr):
        self.total, self.files, self.stream = max(total_bytes, 1), files, stream
        self.done, self.count, self.shown = 0, 0, -1
        self.tty = stream.isatty()

    def advance(self, size: int, count: int = 1) -> None:
        self.done += size
        self.count += count
        share = min(self.done / self.total, 1.0)
        if self.tty:
            bar = "#" * int(share * 30)
            self.stream.write(f"\rreading evidence [{bar:<30}] {share:4.0%} {self.count}/{self.files} files")
            if self.count >= self.files:
                self.stream.write("\n")
            self.stream.flush()
        elif int(share * 10) > self.shown:
            self.shown = int(share * 10)
            print(f"reading evidence: {share:4.0%} ({self.count}/{self.files} files)", file=self.stream)


def list_files(root: Path, skip: Optional[Path] = None) -> list[FileEntry]:
    """Every regular file under LOGS (sorted paths; the cache folder left out), with size and mtime."""
    if not root.is_dir():
        raise UsageError(f"LOGS: {root} is not a directory")
    out = []
    for directory, folders, names in os.walk(root):
        if skip is not None:
            folders[:] = [d for d in folders if Path(directory, d).resolve() != skip]
        folders.sort()
        for name in sorted(names):
            path = Path(directory, name)
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                out.append(FileEntry(str(path), stat.st_size, stat.st_mtime_ns))
    if not out:
        raise UsageError(f"LOGS: no files under {root}")
    return out


class _Loader:
    def __init__(self, con: duckdb.DuckDBPyConnection, report: LoadReport):
        self.con, self.report = con, report
        self.scratch = Path(tempfile.mkdtemp(prefix="evidence-"))

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _map(self, entries: list[FileEntry]) -> None:
        self.con.execute("CREATE OR REPLACE TEMP TABLE m (path VARCHAR, file_id INTEGER, account VARCHAR, "
                         "region VARCHAR, date VARCHAR)")
        rows = []
        for entry in entries:
            p = log_partition(Path(entry.path).resolve().as_posix())
            rows.append((entry.path, entry.file_id, p.account if p else None, p.region if p else None,
                         p.date if p else None))
        self.con.execute("INSERT INTO m SELECT unnest(?), unnest(?), unnest(?), unnest(?), unnest(?)",
                         [list(column) for column in zip(*rows)])

    def _count(self, entries: list[FileEntry]) -> dict[int, int]:
        ids = [e.file_id for e in entries]
        return dict(self.con.execute("SELECT file_id, count(*) FROM evidence_events WHERE file_id BETWEEN ? AND ? "
                                     "GROUP BY file_id", [min(ids), max(ids)]).fetchall())

    def fast_records(self, entries: list[FileEntry]) -> None:
        """One DuckDB read of a batch of ``{"Records": [...]}`` files (through links named by file id, so
        that no path is ever taken as a glob pattern). Each record becomes a row through a lenient cast;
        a file where a record may not fit the schema (an object-typed field holding something else, an
        eventTime that is not a time) is read again by ``slow``, which names the bad records."""
        links = []
        for entry in entries:
            link = self.scratch / f"{entry.file_id}.json{'.gz' if entry.gzip else ''}"
            try:
                link.symlink_to(Path(entry.path).resolve())
            except OSError:
                self.slow(entry)
                continue
            links.append((entry, link))
        if not links:
            return
        entries = [e for e, _l in links]
        paths = "[" + ", ".join(_sql_string(str(link)) for _e, link in links) + "]"
        # DuckDB holds each document whole: room for the largest (gzip records its size in its last 4 bytes).
        largest = max(_inflated_size(e) for e in entries)
        object_size = max(2 << 20, ((largest >> 20) + 2) << 20)
        self._map(entries)
        try:
            self.con.execute("BEGIN")
            self.con.execute(
                f"INSERT INTO evidence_events SELECT s.f, {_select()}, s.odd FROM (SELECT CAST(regexp_extract("
                "filename, '(\\d+)\\.json(\\.gz)?$', 1) AS INTEGER) AS f, regexp_matches(json, "
                f"{_sql_string(MISFIT)}) AS odd, unnest(json_transform(json, {_sql_string(RECORDS_STRUCTURE)})"
                f".Records) AS r FROM read_json_objects({paths}, format='unstructured', compression='auto', "
                f"filename=true, maximum_object_size={object_size})) AS s JOIN m ON m.file_id = s.f")
            self.con.execute("COMMIT")
        except duckdb.Error as error:
            self.con.execute("ROLLBACK")
            if os.environ.get("EVIDENCE_DEBUG"):
                print(f"batch of {len(entries)} failed: {error}", file=sys.stderr)
            for _e, link in links:
                link.unlink(missing_ok=True)
            if len(entries) == 1:
                self.slow(entries[0])
            else:
                for entry in entries:
                    self.fast_records([entry])
            return
        for _e, link in links:
            link.unlink(missing_ok=True)
        self._check(entries)

    def fast_lines(self, entries: list[FileEntry], stages: list[str], fallback=None) -> None:
        """One DuckDB read of a batch of files converted to tagged lines (``forms.to_lines``,
        ``forms.split_records``): DuckDB's typed read refuses a field of the wrong type, and the file is
        then read record by record (``slow``)."""
        source = _staged(stages, tagged=True)
        self._map(entries)
        try:
            self.con.execute("BEGIN")
            self.con.execute(f"INSERT INTO evidence_events SELECT s.f, {_select()}, false FROM "
                             f"(SELECT s.f, s.r AS r FROM {source}) AS s JOIN m ON m.file_id = s.f")
            self.con.execute("COMMIT")
        except duckdb.Error as error:
            self.con.execute("ROLLBACK")
            if os.environ.get("EVIDENCE_DEBUG"):
                print(f"batch of {len(entries)} lines failed: {error}", file=sys.stderr)
            if len(entries) == 1:
                Path(stages[0]).unlink(missing_ok=True)
                (fallback or self.slow)(entries[0])
            else:
                for entry, stage in zip(entries, stages):
                    self.fast_lines([entry], [stage], fallback)
            return
        for stage in stages:
            Path(stage).unlink(missing_ok=True)
        self._check(entries)

    def _check(self, entries: list[FileEntry]) -> None:
        """Files with a record whose eventTime is not a time (or that may not fit) are read again by slow."""
        ids = [e.file_id for e in entries]
        flagged = {row[0] for row in self.con.execute(
            "SELECT DISTINCT file_id FROM evidence_events WHERE file_id BETWEEN ? AND ? AND "
            "(misfit OR TRY_CAST(eventtime AS TIMESTAMPTZ) IS NULL)", [min(ids), max(ids)]).fetchall()}
        if flagged:
            self.con.execute(f"DELETE FROM evidence_events WHERE file_id IN ({', '.join(map(str, flagged))})")
        counts = self._count(entries)
        for entry in entries:
            if entry.file_id in flagged:
                self.slow(entry)
            else:
                entry.records = counts.get(entry.file_id, 0)
                if entry.records == 0:
                    entry.why = "it holds no events"

    def slow(self, entry: FileEntry) -> None:
        """Read one file record by record in Python: each bad record is reported and left out alone."""
        path = Path(entry.path)
        stage = self.scratch / f"{entry.file_id}.ndjson"
        good = 0
        try:
            with open(stage, "w") as out:
                for position, record in events_of(path, entry.kind):
                    problem = str(record) if isinstance(record, Exception) else record_problem(record, COLUMNS)
                    if problem:
                        self._bad(entry, position, problem)
                        continue
                    out.write(json.dumps({"p": position, "r": record}) + "\n")
                    good += 1
        except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
            entry.kind, entry.why = "unreadable", f"{type(error).__name__}: {str(error)[:200]}"
            self._forget(entry)
            return
        if good:
            self._stage(entry, [stage])
        counts = self._count([entry])
        entry.records = counts.get(entry.file_id, 0)
        if entry.records == 0:
            entry.why = "could not read any event in it (each bad record is listed)"
        stage.unlink(missing_ok=True)

    def _forget(self, entry: FileEntry) -> None:
        self.con.execute("DELETE FROM evidence_problems WHERE file_id = ?", [entry.file_id])
        self.report.bad_records[:] = [b for b in self.report.bad_records if b.file != entry.path]

    def _bad(self, entry: FileEntry, position: str, why: str) -> None:
        self.report.bad_records.append(BadRecord(entry.path, position, why))
        self.con.execute("INSERT INTO evidence_problems VALUES (?, ?, ?)", [entry.file_id, position, why])

    def _stage(self, entry: FileEntry, stages: list[Path]) -> None:
        source = _staged(stages, tagged=False)
        self._map([entry])
        try:
            bad_times = self.con.execute(f"SELECT s.p, s.r.\"eventTime\" FROM {source} WHERE NOT "
                                         f"({VALID_TIME.replace('r.', 's.r.')})").fetchall()
            self.con.execute(f"INSERT INTO evidence_events SELECT m.file_id, {_select()}, false FROM "
                             f"(SELECT s.r AS r FROM {source} WHERE {VALID_TIME.replace('r.', 's.r.')}) "
                             "CROSS JOIN m")
        except duckdb.Error as error:
            if len(stages) == 1:
                lines = stages[0].read_text().splitlines()
                if len(lines) == 1:
                    self._bad(entry, json.loads(lines[0])["p"], f"unreadable: {str(error).splitlines()[0][:200]}")
                    return
                singles = []
                for i, line in enumerate(lines):
                    single = self.scratch / f"{entry.file_id}-{i}.ndjson"
                    single.write_text(line + "\n")
                    singles.append(single)
                for single in singles:
                    self._stage(entry, [single])
                    single.unlink(missing_ok=True)
            return
        for position, value in bad_times:
            self._bad(entry, position, "no eventTime" if value is None else
                      f"eventTime {value!r} is not an ISO-8601 time")


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS evidence_files (file_id INTEGER, path VARCHAR, size BIGINT, "
                "mtime_ns BIGINT, kind VARCHAR, records BIGINT, why VARCHAR)")
    con.execute("CREATE TABLE IF NOT EXISTS evidence_problems (file_id INTEGER, position VARCHAR, why VARCHAR)")
    # misfit: the row's file may hold a record the lenient cast bent (see MISFIT); such files are re-read.
    con.execute(f"CREATE TABLE IF NOT EXISTS evidence_events AS SELECT CAST(NULL AS INTEGER) AS file_id, "
                f"{_select('record')}, CAST(NULL AS BOOLEAN) AS misfit FROM (SELECT CAST(NULL AS {RECORD_TYPE}) "
                "AS r) LIMIT 0")
    names = ", ".join([n for n, _k, _t in COLUMNS] + [n for n, _t in PARTITIONS])
    con.execute(f"CREATE OR REPLACE VIEW cloudtrail AS SELECT {names} FROM evidence_events")


def load(con: duckdb.DuckDBPyConnection, root: Path, progress: Optional[Callable[[int, int], None]] = None,
         skip: Optional[Path] = None, show_progress: bool = False) -> LoadReport:
    """Bring the tables of ``con`` up to date with the files under ``root`` and define the view
    ``cloudtrail``. Files already in ``con`` with the same size and mtime are not read again.

    Returns the LoadReport (every file's kind, events per file, bad records). Raises UsageError when
    ``root`` is not a directory or holds no file."""
    files = list_files(root, skip)
    report = LoadReport(str(root))
    _create_tables(con)
    known = {row[1]: FileEntry(row[1], row[2], row[3], row[4], row[5], row[6] or "", row[0])
             for row in con.execute("SELECT file_id, path, size, mtime_ns, kind, records, why FROM evidence_files")
             .fetchall()}
    current = {f.path: (f.size, f.mtime_ns) for f in files}
    stale = [e for p, e in known.items() if current.get(p) != (e.size, e.mtime_ns)]
    if stale:
        ids = ", ".join(str(e.file_id) for e in stale)
        for table in ("evidence_events", "evidence_problems", "evidence_files"):
            con.execute(f"DELETE FROM {table} WHERE file_id IN ({ids})")
        for e in stale:
            known.pop(e.path)
    top = con.execute("SELECT coalesce(max(file_id), 0) FROM evidence_files").fetchone()[0] or 0
    # Rows of a run that was stopped before it recorded its files (ids above every recorded file): drop them.
    for table in ("evidence_events", "evidence_problems"):
        if (con.execute(f"SELECT coalesce(max(file_id), 0) FROM {table}").fetchone()[0] or 0) > top:
            con.execute(f"DELETE FROM {table} WHERE file_id > ?", [top])
    next_id = top + 1
    todo = []
    for f in files:
        if f.path in known:
            report.files.append(known[f.path])
            report.from_cache += 1
            continue
        f.file_id, next_id = next_id, next_id + 1
        report.files.append(f)
        todo.append(f)
    if known:
        for position in con.execute("SELECT f.path, p.position, p.why FROM evidence_problems p JOIN evidence_files f "
                                    "USING (file_id) ORDER BY f.path, p.position").fetchall():
            report.bad_records.append(BadRecord(*position))
    if todo:
        _read(con, report, todo, progress, show_progress)
    return report


def _read(con, report: LoadReport, todo: list[FileEntry], progress, show_progress: bool) -> None:
    """Classify the new files, then load them: trail log files in DuckDB batches, JSON lines converted
    to tagged lines first, the other forms (and every file a batch cannot take) record by record."""
    loader = _Loader(con, report)
    total = sum(f.size for f in todo)
    bar = Progress(total, len(todo)) if show_progress and (len(todo) > 50 or total > 16 << 20) else None
    try:
        records, lines, slow = [], [], []
        for f in todo:
            kind = classify(Path(f.path))
            f.kind, f.why, f.gzip = kind.kind, kind.why, kind.gzip
            if not kind.events:
                if bar:
                    bar.advance(f.size)
            elif kind.kind == "records":
                records.append(f)
            elif kind.kind == "json_lines" and not kind.prefixed:  # a timestamp before each object: Python
                lines.append(f)
            else:
                slow.append(f)
        done = 0

        def step(batch: list[FileEntry]) -> None:
            nonlocal done
            done += len(batch)
            if bar:
                bar.advance(sum(e.size for e in batch), len(batch))
            if progress:
                progress(done, len(records) + len(lines) + len(slow))

        # Trail log files as CloudTrail writes them are cut into tagged lines in two threads (gzip and the
        # cut release the GIL) while DuckDB reads the previous batch; any other shape goes to fast_records.
        documents, batch, stages, count = [], [], [], 0

        def whole(entry: FileEntry) -> None:  # the cut went wrong (a record in another key order): as a document
            loader.fast_records([entry])
        jobs = [(e.file_id, e.path, str(loader.scratch / f"{e.file_id}.ndjson")) for e in records]
        by_id = {e.file_id: e for e in records}
        for file_id, written, error in _ahead(split_records, jobs, 128):
            entry = by_id[file_id]
            if error:
                documents.append(entry)
                continue
            batch.append(entry)
            stages.append(str(loader.scratch / f"{file_id}.ndjson"))
            count += written
            if count >= BATCH_LINES or len(batch) >= BATCH_FILES:
                loader.fast_lines(batch, stages, whole)
                step(batch)
                batch, stages, count = [], [], 0
        if batch:
            loader.fast_lines(batch, stages, whole)
            step(batch)
        batch, size = [], 0
        for entry in documents + [None]:
            if entry is not None and (not batch or (size + entry.size <= BATCH_BYTES and len(batch) < BATCH_FILES)):
                batch.append(entry)
                size += entry.size
                continue
            if batch:
                loader.fast_records(batch)
                step(batch)
            batch, size = ([entry], entry.size) if entry is not None else ([], 0)
        for entry in lines:
            stage = str(loader.scratch / f"{entry.file_id}.ndjson")
            _file_id, _written, error = to_lines((entry.file_id, entry.path, stage))
            if error:
                loader.slow(entry)
            else:
                loader.fast_lines([entry], [stage])
            Path(stage).unlink(missing_ok=True)
            step([entry])
        for entry in slow:
            loader.slow(entry)
            step([entry])
        con.execute("BEGIN")
        con.execute("INSERT INTO evidence_files SELECT * FROM (SELECT unnest(?) AS file_id, unnest(?) AS path, "
                    "unnest(?) AS size, unnest(?) AS mtime_ns, unnest(?) AS kind, unnest(?) AS records, "
                    "unnest(?) AS why)", [[f.file_id for f in todo], [f.path for f in todo], [f.size for f in todo],
                                          [f.mtime_ns for f in todo], [f.kind for f in todo],
                                          [f.records for f in todo], [f.why for f in todo]])
        con.execute("COMMIT")
    finally:
        loader.close()


def _ahead(function, jobs: list, window: int):
    """``map(function, jobs)`` in order, computed by two threads at most ``window`` jobs ahead of the
    consumer (gzip and the cut release the GIL; the window bounds the staged files on disk)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending = deque()
        for job in jobs:
            pending.append(pool.submit(function, job))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _inflated_size(entry: FileEntry) -> int:
    """The content's size: a gzip file's ISIZE trailer (RFC 1952; modulo 4 GiB), else the file's size."""
    if not entry.gzip:
        return entry.size
    try:
        with open(entry.path, "rb") as handle:
            handle.seek(-4, os.SEEK_END)
            return int.from_bytes(handle.read(4), "little")
    except OSError:
        return entry.size


@dataclass
class Evidence:
    """An open evidence database: ``connection`` holds the view ``cloudtrail``; ``report`` what was read."""
    connection: duckdb.DuckDBPyConnection
    report: LoadReport
    temporary: Optional[Path] = None

    def close(self) -> None:
        self.connection.close()
        if self.temporary:
            shutil.rmtree(self.temporary, ignore_errors=True)


def cache_path(root: Path, cache_dir: Path) -> Path:
    """One database per LOGS folder (its absolute path) and per table layout (a new layout, a new cache)."""
    layout = hashlib.sha256((CACHE_VERSION + repr(COLUMNS) + repr(PARTITIONS)).encode()).hexdigest()[:8]
    folder = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return cache_dir / f"{folder}-{layout}.duckdb"


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    # Bounded memory whatever the evidence size: DuckDB spills to its temporary folder beyond this.
    con.execute("SET memory_limit = '160MB'")
    con.execute("SET preserve_insertion_order = false")
    return con


def open_evidence(root: Path, cache: bool = True, cache_dir: Optional[Path] = None,
                  show_progress: bool = True) -> Evidence:
    """Open (building or refreshing) the evidence database of LOGS ``root``.

    ``cache=True``: ``<cache_dir or ./.evidence-cache>/<folder hash>-<layout hash>.duckdb``, reused by later
    runs. ``cache=False`` (``--no-cache``): the same database in a temporary folder, removed on close().
    A cache held by another running query is not shared: that run falls back to a temporary database."""
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"LOGS: {root} is not a directory")
    temporary = None
    con = None
    if cache:
        folder = Path(cache_dir) if cache_dir else Path.cwd() / ".evidence-cache"
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds the evidence's events
            con = _connect(cache_path(root, folder))
        except (OSError, duckdb.Error) as error:
            print(f"warning: evidence cache not usable ({str(error).splitlines()[0][:160]}); "
                  "reading without it", file=sys.stderr)
            con = None
    if con is None:
        temporary = Path(tempfile.mkdtemp(prefix="evidence-db-"))
        con = _connect(temporary / "evidence.duckdb")
    skip = (Path(cache_dir) if cache_dir else Path.cwd() / ".evidence-cache").resolve()
    try:
        report = load(con, root, skip=skip, show_progress=show_progress)
    except BaseException:
        con.close()
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
        raise
    if not any(f.kind in EVENT_FORMS for f in report.files):
        con.close()
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
        kinds = Counter(f.kind for f in report.files)
        raise UsageError(f"LOGS: none of the {len(report.files)} files under {root} holds CloudTrail events ("
                         + "; ".join(f"{n} {OTHER_KINDS.get(k, k)}" for k, n in sorted(kinds.items())) + ")")
    return Evidence(con, report, temporary)

