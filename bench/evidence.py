"""`make bench SECTION=evidence` (also the last rows of `make bench`): the query runner and the integrity
checker over a generated evidence set of 400,000 events in 400 gzip log files (bench/evidence_set.py),
each row beside `jq` and DuckDB's own JSON scan (or `sha256sum`) measured in the same run, medians over
BENCH_EVIDENCE_RUNS runs (default 3). Peak memory is the resident set of the whole process tree, sampled
every 20 ms.

Rows:
- first query (the cache is built: classification, reading, writing the columnar cache);
- repeated query (the cache is read);
- peak memory of the first query, and the same over a quarter of the files (bounded: it must not grow
  with the number of files);
- `make verify`: MB of evidence validated per second beside `sha256sum` of the same bytes.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY = "console_logins_outside_corporate"
AS_OF = "2024-06-01T00:00:00Z"
# The same question for jq: console sign-ins from outside 10.0.0.0/8.
JQ_FILTER = ('.Records[] | select(.eventName == "ConsoleLogin" and .sourceIPAddress != null '
             'and (.sourceIPAddress | startswith("10.") | not)) | [.eventTime, .sourceIPAddress]')
DUCKDB_SCAN = ("import duckdb, sys; files = open(sys.argv[1]).read().split(); print(duckdb.connect().execute("
               "\"SELECT count(*) FROM (SELECT unnest(Records) AS r FROM read_json(?)) WHERE r.eventName = "
               "'ConsoleLogin' AND r.sourceIPAddress NOT LIKE '10.%'\", [files]).fetchone()[0])")


def _tree_rss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def measure(command, env=None) -> tuple[float, float]:
    """(seconds, peak MB of the process tree) of one run; the command must succeed."""
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - began
    if process.returncode != 0:
        raise SystemExit(f"bench: {command[:3]} failed: {process.stderr.read().decode()[-500:]}")
    return seconds, peak / 1024


def medians(command, runs: int, before=None, env=None) -> tuple[float, float]:
    results = []
    for _ in range(runs):
        if before:
            before()
        results.append(measure(command, env))
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def line(name: str, ours: float, unit: str, peers: dict) -> None:
    text = f"{name:<46} ours {ours:>9.2f} {unit:<4}"
    for peer, value in peers.items():
        text += f"  {peer} {value:>9.2f} {unit:<4} (ours/{peer} {ours / value:4.2f}x)"
    print(text, flush=True)


def subset(folder: Path, logs: list[Path], count: int) -> Path:
    """A tree of hard links to the first ``count`` log files (same layout)."""
    out = folder / f"subset-{count}"
    if not (out / "COMPLETE").exists():
        shutil.rmtree(out, ignore_errors=True)
        for path in logs[:count]:
            target = out / path.relative_to(folder / "logs")
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
        (out / "COMPLETE").write_text("")
    return out


def main() -> int:
    from bench.evidence_set import generate
    runs = int(os.environ.get("BENCH_EVIDENCE_RUNS", "3"))
    folder = generate()
    logs_root = folder / "logs"
    logs = sorted(p for p in logs_root.rglob("*.json.gz") if "/CloudTrail/" in p.as_posix())
    evidence_bytes = sum(p.stat().st_size for p in logs_root.rglob("*") if p.is_file())
    listing = Path(tempfile.mkdtemp(prefix="bench-evidence-")) / "files.txt"
    listing.write_text("\n".join(str(p) for p in logs) + "\n")
    cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    env = dict(os.environ)
    python = sys.executable
    query = [python, "-m", "investigate", "--query", QUERY, "--logs", str(logs_root), "--as-of", AS_OF,
             "--format", "json"]
    jq = ["sh", "-c", f"xargs gzip -dc < '{listing}' | jq -c '{JQ_FILTER}'"]
    duck = [python, "-c", DUCKDB_SCAN, str(listing)]
    print(f"# evidence rows: {len(logs)} log files, {evidence_bytes / 1e6:.0f} MB with digests; {runs} runs; "
          f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}", flush=True)
    have_jq = shutil.which("jq") is not None
    if not have_jq:
        print("# jq is not installed: the jq column is left out (apt-get install jq)", flush=True)

    def clear_cache():
        shutil.rmtree(ROOT / ".evidence-cache", ignore_errors=True)

    # The cache lives under the current directory's .evidence-cache/ (ROOT here): start from none.
    first, first_peak = medians(query, runs, before=clear_cache, env=env)
    repeat, repeat_peak = medians(query, runs, env=env)
    jq_s, jq_peak = medians(jq, runs) if have_jq else (None, None)
    duck_s, duck_peak = medians(duck, runs)
    peers = {"jq": jq_s, "duckdb": duck_s} if have_jq else {"duckdb": duck_s}
    line(f"query, first run (cache built), {len(logs)} files", first, "s", peers)
    line("query, repeated (cache read)", repeat, "s", peers)
    line("peak memory, first run", first_peak, "MB",
         {"jq": jq_peak, "duckdb": duck_peak} if have_jq else {"duckdb": duck_peak})
    quarter = subset(folder, logs, len(logs) // 4)
    small = [python, "-m", "investigate", "--query", QUERY, "--logs", str(quarter), "--as-of", AS_OF, "--format",
             "json", "--no-cache"]
    whole = query + ["--no-cache"]
    _s, small_peak = medians(small, 1, env=env)
    _s, whole_peak = medians(whole, 1, env=env)
    line(f"peak memory, {len(logs)} files vs {len(logs) // 4} (--no-cache)", whole_peak, "MB",
         {f"{len(logs) // 4}files": small_peak})
    verify = [python, "-m", "integrity", "--logs", str(logs_root), "--keys", str(folder / "keys.json"),
              "--signatures", str(folder / "signatures.json"), "--format", "json"]
    all_files = Path(listing.parent / "all.txt")
    all_files.write_text("\n".join(str(p) for p in sorted(logs_root.rglob("*")) if p.is_file()) + "\n")
    sha = ["sh", "-c", f"xargs sha256sum < '{all_files}' > /dev/null"]
    verify_s, _peak = medians(verify, runs)
    sha_s, _peak = medians(sha, runs)
    mb = evidence_bytes / 1e6
    line(f"make verify, {mb:.0f} MB of evidence", mb / verify_s, "MB/s", {"sha256sum": mb / sha_s})
    clear_cache()
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(listing.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
