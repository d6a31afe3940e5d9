"""Benchmarks that print figures (never a timed test). Every row has its floor, measured in the same run,
and the ratio; medians over repeated runs, because machines are noisy.

Rows: pack start-up to port; Analyze per resource (2,000 realistic resources, sequential, over gRPC);
Analyze at 1k and 10k resources; AnalyzeStack on 5,000 resources (ours and the floor interleaved); Athena SQL
to DuckDB (investigate/dialect.py) per saved query and one query over the real logs; the dev stack's offline
plan end to end
against the import time of what it imports; the pack's peak resident memory. Where Node is present, the
same requests go to Pulumi's AWSGuard pack as the peer.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The TypeScript rows run programs in child processes while gRPC threads serve the engine (as the gate does).
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
sys.path[:0] = [str(ROOT), str(ROOT / "policies")]

FLOOR_PACK = '''from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

def validate(args, report_violation):
    if args.resource_type == "aws:s3/bucket:Bucket" and args.props.get("acl") == "public-read":
        report_violation("public")

PolicyPack(name="floor", enforcement_level=EnforcementLevel.MANDATORY,
           policies=[ResourceValidationPolicy(name="floor-policy", description="One trivial policy.",
                                              validate=validate)])
'''


def floor_pack_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="floor-pack-"))
    (folder / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (folder / "__main__.py").write_text(FLOOR_PACK)
    return folder


def realistic_resources(count: int):
    """The dev stack's and the lab's resources (as the engine sends them), repeated to ``count``."""
    from preflight.runner import Project, run_program
    pool = []
    for directory, stack in ((ROOT, "dev"), (ROOT / "examples/public-bucket-lab", "lab")):
        project = Project.load(directory)
        config, secrets = project.stack_config(stack)
        pool.extend(r for r in run_program(project, stack, config, secrets) if r.custom)
    return [pool[i % len(pool)] for i in range(count)]


def dev_stack_aws_modules() -> list[str]:
    """The pulumi_aws service modules the dev stack's program really loads (pulumi_aws loads them lazily:
    `import pulumi_aws.s3` alone loads nothing), found by running the program under mocks in a process
    of its own."""
    probe = ("import sys, types, json, warnings; warnings.simplefilter('ignore'); "
             "from pathlib import Path; from preflight.runner import Project, run_program; "
             "p = Project.load(Path('.').resolve()); c, s = p.stack_config('dev'); run_program(p, 'dev', c, s); "
             "print(json.dumps(sorted(n.split('.')[1] for n, m in list(sys.modules.items()) "
             "if n.startswith('pulumi_aws.') and n.count('.') == 1 and type(m) is types.ModuleType "
             "and len(vars(m)) > 10 and not n.split('.')[1].startswith(('_', 'get_', 'arn_', 'outputs', "
             "'provider', 'trim_', 'user_')))))")
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_times(pack_dir: Path, runs: int, command=None) -> list[float]:
    from preflight.analyzer import PackClient
    times = []
    for _ in range(runs):
        client = PackClient(pack_dir) if command is None else NodePack(pack_dir, command)
        began = time.perf_counter()
        client.start()
        times.append(time.perf_counter() - began)
        client.stop()
    return times


def analyze_seconds(client, resources) -> float:
    began = time.perf_counter()
    for r in resources:
        client.analyze(r)
    return time.perf_counter() - began


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class NodePack:
    """AWSGuard served by the Node SDK's run-policy-pack, driven with the same client."""

    def __new__(cls, pack_dir, command):
        from preflight.analyzer import PackClient

        class Client(PackClient):
            def start(self):
                import grpc
                from pulumi.runtime.proto import analyzer_pb2_grpc
                if self.process is None:
                    self.process = subprocess.Popen(command, cwd=pack_dir, stdout=subprocess.PIPE,
                                                    stderr=subprocess.PIPE)
                self.port = self._read_port()
                self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
                grpc.channel_ready_future(self.channel).result(timeout=60)
                self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

        return Client(pack_dir)


def awsguard() -> tuple[Path, list[str]] | None:
    """Install @pulumi/awsguard into a temporary folder; None when Node or the registry is missing."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None
    folder = Path(tempfile.mkdtemp(prefix="awsguard-"))
    (folder / "package.json").write_text('{"name": "awsguard-peer", "version": "0.0.1", "main": "index.js"}')
    (folder / "PulumiPolicy.yaml").write_text("runtime: nodejs\n")
    (folder / "index.js").write_text('const { AwsGuard } = require("@pulumi/awsguard");\n'
                                     'new AwsGuard({ all: "mandatory" });\n')
    print("installing @pulumi/awsguard for the peer row ...", file=sys.stderr)
    result = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "@pulumi/awsguard@0.3.1",
                             "@pulumi/policy@1.21.0"], cwd=folder, capture_output=True, text=True, timeout=600)
    runner = folder / "node_modules/@pulumi/pulumi/cmd/run-policy-pack"
    if result.returncode != 0 or not runner.exists():
        print(f"AWSGuard not installed: {result.stderr.strip()[:300]}", file=sys.stderr)
        return None
    return folder, ["node", str(runner), "127.0.0.1:0", str(folder)]


def row(name: str, ours: float, floor: float, unit: str, floor_name: str, peer: float | None = None) -> None:
    line = f"{name:<44} {ours:>10.3f} {unit:<4} floor {floor:>10.3f} {unit:<4} ({floor_name})  ratio {ours / floor:5.2f}x"
    if peer is not None:
        line += f"  AWSGuard {peer:>9.3f} {unit}  ours is {peer / ours:4.1f}x faster"
    print(line, flush=True)


def dialect_rows(runs: int) -> None:
    """Athena SQL to DuckDB with Trino's semantics (investigate/dialect.py) per saved query, against sqlglot's
    plain transpile of the same text (the floor); then one corpus-style query over the real logs, against the
    same query run as plain DuckDB SQL."""
    from datetime import datetime, timezone

    import duckdb
    import sqlglot

    from cloudtrail.query_library import saved_queries
    from investigate import dialect
    from investigate.loader import load
    as_of = datetime(2024, 12, 1, tzinfo=timezone.utc)
    bodies = [q.body for q in saved_queries().values()]

    def each(fn) -> float:
        began = time.perf_counter()
        for body in bodies:
            fn(body)
        return (time.perf_counter() - began) / len(bodies)
    ours = statistics.median(each(lambda b: dialect.to_duckdb(b, as_of)) for _ in range(runs))
    floor = statistics.median(each(lambda b: sqlglot.transpile(b, read="trino", write="duckdb")) for _ in range(runs))
    row("Athena SQL to DuckDB per saved query", ours * 1000, floor * 1000, "ms", "sqlglot transpile alone")

    con = duckdb.connect()
    load(con, ROOT / "tests/data/cloudtrail")
    sql = ("SELECT eventsource, 100.0 * count_if(errorcode IS NOT NULL) / count(*) AS failed_pct FROM cloudtrail "
           "WHERE json_extract_scalar(requestparameters, '$.bucketName') IS NOT NULL OR eventname LIKE 'Get%' "
           "GROUP BY eventsource")
    plain = ("SELECT eventsource, 100.0 * count_if(errorcode IS NOT NULL) / count(*) AS failed_pct FROM cloudtrail "
             "WHERE requestparameters->>'$.bucketName' IS NOT NULL OR eventname LIKE 'Get%' GROUP BY eventsource")
    dialect.prepare(con, as_of)

    def timed_query(text: str) -> float:
        began = time.perf_counter()
        con.execute(text).fetchall()
        return time.perf_counter() - began
    translated = dialect.to_duckdb(sql, as_of)
    row("query over 3,210 records, Trino semantics", statistics.median(timed_query(translated) for _ in range(runs))
        * 1000, statistics.median(timed_query(plain) for _ in range(runs)) * 1000, "ms", "DuckDB's own semantics")


def main(argv: list[str] | None = None) -> int:
    import argparse
    import warnings
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmarks that print figures.")
    parser.add_argument("--pack", action="store_true",
                        help="only the policy pack's rows (start-up, Analyze, AnalyzeStack, memory), not the plan row")
    parser.add_argument("section", nargs="?", choices=("evidence",),
                        help="evidence: only the query runner's and the integrity checker's rows (bench/evidence.py)")
    options = parser.parse_args(argv)
    if options.section == "evidence":  # `make bench SECTION=evidence`: the evidence rows alone
        from bench.evidence import main as evidence
        return evidence()
    only_pack = options.pack
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from preflight.analyzer import PackClient
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    ours_dir, floor_dir = ROOT / "policies", floor_pack_dir()
    peer = awsguard()
    print(f"# make bench: {runs} runs per start-up row; python {sys.version.split()[0]}; {os.cpu_count()} cores")

    ours_start = statistics.median(start_times(ours_dir, runs))
    floor_start = statistics.median(start_times(floor_dir, runs))
    peer_start = statistics.median(start_times(peer[0], runs, peer[1])) if peer else None
    row("pack start-up to port (median)", ours_start * 1000, floor_start * 1000, "ms", "one-policy pack",
        peer_start * 1000 if peer_start else None)

    resources = realistic_resources(10_000)
    with PackClient(ours_dir) as ours, PackClient(floor_dir) as floor:
        for client in (ours, floor):
            analyze_seconds(client, resources[:200])  # warm up
        ours_runs, floor_runs = [], []
        for _ in range(3):  # interleaved, so that both see the same load
            ours_runs.append(analyze_seconds(ours, resources[:2000]))
            floor_runs.append(analyze_seconds(floor, resources[:2000]))
        per_ours, per_floor = statistics.median(ours_runs) / 2000, statistics.median(floor_runs) / 2000
        peer_per = None
        if peer:
            node = NodePack(peer[0], peer[1])
            node.start()
            analyze_seconds(node, resources[:200])
            peer_per = statistics.median(analyze_seconds(node, resources[:2000]) for _ in range(3)) / 2000
            node.stop()
        row("Analyze per resource, 2,000 sequential", per_ours * 1e6, per_floor * 1e6, "us", "one-policy pack",
            peer_per * 1e6 if peer_per else None)
        # Medians of interleaved runs: on a shared machine, load drifts between consecutive measurements.
        one_k, ten_k = [], []
        for _ in range(3):
            one_k.append(analyze_seconds(ours, resources[:1000]))
            ten_k.append(analyze_seconds(ours, resources[:10_000]))
        row("Analyze 10k resources vs 1k (total)", statistics.median(ten_k), statistics.median(one_k), "s",
            "1k resources x1")
        stack_seconds, floor_stack = [], []
        for _ in range(5):
            for client, times in ((ours, stack_seconds), (floor, floor_stack)):
                began = time.perf_counter()
                client.analyze_stack(resources[:5000])
                times.append(time.perf_counter() - began)
        row("AnalyzeStack, 5,000 resources (median)", statistics.median(stack_seconds),
            statistics.median(floor_stack), "s", "one-policy pack")
        rss, rss_floor = peak_rss_mb(ours.process.pid), peak_rss_mb(floor.process.pid)
    row("pack peak resident memory after 10k", rss, rss_floor, "MB", "one-policy pack")
    if only_pack:
        shutil.rmtree(floor_dir, ignore_errors=True)
        return 0

    dialect_rows(runs)

    python = sys.executable
    plan = [python, "-W", "ignore", "-m", "preflight", "--format", "json"]
    # The import floor: what the plan's processes import (the gate, the pack, the program), in one process.
    # pulumi_aws loads its service modules lazily (`import pulumi_aws.s3` alone loads nothing): the floor
    # loads the ones the dev stack's program really uses, as found after running it above.
    used = dev_stack_aws_modules()
    imports = [python, "-W", "ignore", "-c",
               "import grpc, yaml, pulumi, pulumi_policy, pulumi_aws, importlib; "
               f"[getattr(importlib.import_module('pulumi_aws.' + m), '__all__', None) for m in {used!r}]; "
               "import components.baseline, preflight.plan, preflight.engine, preflight.datasources, preflight.account"]

    def timed(command) -> float:
        began = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        return time.perf_counter() - began

    timed(plan), timed(imports)  # warm the file cache
    plans, floors = [], []
    for _ in range(runs):  # interleaved: both see the same machine load
        plans.append(timed(plan))
        floors.append(timed(imports))
    row("offline plan of the dev stack, end to end", statistics.median(plans), statistics.median(floors), "s",
        "importing what it imports")
    typescript_rows(runs, timed)
    shutil.rmtree(floor_dir, ignore_errors=True)
    from bench.evidence import main as evidence
    return evidence()


def typescript_rows(runs: int, timed) -> None:
    """The offline plan of a TypeScript program (tests/programs/ts-ssh-open) end to end, beside its floor:
    the Node runner alone running the same program against the offline engine (no pack, no report).
    Once as the CLI runs it (type-checked by ts-node), once with PULUMI_NODEJS_TRANSPILE_ONLY=true."""
    if not shutil.which("node") or not shutil.which("npm"):
        print("offline plan of a TypeScript program: skipped (node and npm are not on PATH)", flush=True)
        return
    from preflight.engine import OfflineEngine
    from preflight.node import run_node
    from preflight.runner import Project
    program = ROOT / "tests/programs/ts-ssh-open"
    project = Project.load(program)
    config, secrets = project.stack_config("test")
    plan = [sys.executable, "-W", "ignore", "-m", "audit_baseline", "plan", "--program", str(program),
            "--stack", "test", "--format", "json"]

    def runner_alone() -> float:
        engine = OfflineEngine(project.name, "test", region=config["aws:region"])
        began = time.perf_counter()
        run_node(project.directory, project.entry, project.node, project.name, "test", "organization", config,
                 secrets, engine, 300.0)
        return time.perf_counter() - began

    previous = os.environ.get("PULUMI_NODEJS_TRANSPILE_ONLY")
    for label, transpile_only in (("", None), (", transpile only", "true")):
        if transpile_only:
            os.environ["PULUMI_NODEJS_TRANSPILE_ONLY"] = transpile_only
        timed(plan), runner_alone()  # installs node_modules on a first run; warms the file cache
        ours = statistics.median(timed(plan) for _ in range(runs))
        floor = statistics.median(runner_alone() for _ in range(runs))
        row(f"offline plan of a TypeScript program{label}", ours, floor, "s", "the Node runner alone")
    if previous is None:
        os.environ.pop("PULUMI_NODEJS_TRANSPILE_ONLY", None)
    else:
        os.environ["PULUMI_NODEJS_TRANSPILE_ONLY"] = previous


if __name__ == "__main__":
    sys.exit(main())
