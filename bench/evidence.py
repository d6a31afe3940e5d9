"""`make bench SECTION=evidence` (also the last rows of `make bench`): the query runner and the integrity
checker over a generated evidence set of 400,000 events in 400 gzip log files (bench/evidence_set.py),
each row beside `jq` and DuckDB's own JSON scan (or `sha256sum`) measured in the same run, medians over
BENCH_EVIDENCE_RUNS runs (default 3), the tools taking turns in each round. Peak memory is the resident set of the whole process tree, sampled
every 20 ms.

Rows:
- first query (the cache is built: classification, reading, writing the columnar cache);
- repeated query (the cache is read);
- peak memory of the first query, and the same over half of the files (bounded: it must not grow with
  the number of files once a batch and a row group are in memory);
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


def measure(command, cwd: Path = ROOT) -> tuple[float, float, float]:
    """(seconds, peak MB of the process tree, CPU seconds user + system of the tree) of one run; the
    command must succeed."""
    began = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, status, usage = 0, None, None
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench: {command[:3]} failed: {process.stderr.read().decode()[-500:]}")
    return seconds, peak / 1024, usage.ru_utime + usage.ru_stime


def medians(commands: dict, runs: int, before: dict | None = None, cwd: Path = ROOT) -> dict:
    """{name: (median seconds, peak MB)}; the commands take turns in each round, so that the load of a
    shared machine weighs on all of them alike."""
    results: dict = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            if before and name in before:
                before[name]()
            results[name].append(measure(command, cwd))
    return {name: (statistics.median(r[0] for r in rs), max(r[1] for r in rs), statistics.median(r[2] for r in rs))
            for name, rs in results.items()}


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
    work = Path(tempfile.mkdtemp(prefix="bench-evidence-work-"))  # the runs' current directory: their cache
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
        shutil.rmtree(work / ".evidence-cache", ignore_errors=True)

    # The cache lives under the current directory's .evidence-cache/ (``work`` here): start from none.
    tools = {"first": query, "duckdb": duck, **({"jq": jq} if have_jq else {})}
    measured = medians(tools, runs, before={"first": clear_cache}, cwd=work)
    measured.update(medians({"repeat": query}, runs, cwd=work))
    peers = {k: measured[k][0] for k in ("jq", "duckdb") if k in measured}
    line(f"query, first run (cache built), {len(logs)} files", measured["first"][0], "s", peers)
    line("query, first run: CPU time (user + system)", measured["first"][2], "s",
         {k: measured[k][2] for k in ("jq", "duckdb") if k in measured})
    line("query, repeated (cache read)", measured["repeat"][0], "s", peers)
    line("peak memory, first run", measured["first"][1], "MB", {k: measured[k][1] for k in ("jq", "duckdb")
                                                                 if k in measured})
    half = subset(folder, logs, len(logs) // 2)
    small = [python, "-m", "investigate", "--query", QUERY, "--logs", str(half), "--as-of", AS_OF, "--format",
             "json", "--no-cache"]
    sizes = medians({"whole": query + ["--no-cache"], "half": small}, 1, cwd=work)
    line(f"peak memory, {len(logs)} files vs {len(logs) // 2} (--no-cache)", sizes["whole"][1], "MB",
         {f"{len(logs) // 2}files": sizes["half"][1]})
    verify = [python, "-m", "integrity", "--logs", str(logs_root), "--keys", str(folder / "keys.json"),
              "--signatures", str(folder / "signatures.json"), "--format", "json"]
    all_files = Path(listing.parent / "all.txt")
    all_files.write_text("\n".join(str(p) for p in sorted(logs_root.rglob("*")) if p.is_file()) + "\n")
    sha = ["sh", "-c", f"xargs sha256sum < '{all_files}' > /dev/null"]
    checks = medians({"verify": verify, "sha256sum": sha}, runs)
    mb = evidence_bytes / 1e6
    line(f"make verify, {mb:.0f} MB of evidence", mb / checks["verify"][0], "MB/s",
         {"sha256sum": mb / checks["sha256sum"][0]})
    clear_cache()
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(listing.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
