"""`python -m integrity` (`make verify`): validate a copy of a CloudTrail bucket offline.

Exit 0 when everything validates (or only head_unverified warnings), 1 on any problem, 2 on a usage error.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv=None, prog: str = "integrity") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--logs", required=True, help="the bucket's root (the folder that holds AWSLogs/)")
    parser.add_argument("--keys", required=True, help="`aws cloudtrail list-public-keys` JSON export")
    parser.add_argument("--signatures", default=None, help="JSON: digest S3 key -> hex signature (chain heads)")
    parser.add_argument("--from", dest="start", default=None, help="only digests ending at or after this time")
    parser.add_argument("--to", dest="end", default=None, help="only digests ending at or before this time")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)

    from .keys import UsageError, load_public_keys, load_signatures, parse_time
    from .validate import WARNINGS, validate

    def progress(done: int, total: int) -> None:
        if total >= 200 and (done % 100 == 0 or done == total):
            print(f"validated {done}/{total} digests", file=sys.stderr)

    try:
        missing = [name for name, value in (("LOGS", args.logs), ("KEYS", args.keys)) if not value]
        if missing:  # `make verify` passes empty values when the variables are not set
            raise UsageError(" and ".join(missing) + " required: LOGS=<the bucket copy's root, holding AWSLogs/> "
                             "KEYS=<`aws cloudtrail list-public-keys --output json` export>")
        keys = load_public_keys(args.keys)
        signatures = load_signatures(args.signatures)
        start, end = parse_time(args.start, "FROM"), parse_time(args.end, "TO")
        if start and end and start > end:
            raise UsageError("FROM is after TO")
        report = validate(Path(args.logs), keys, signatures, start, end, progress)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(f"Digest files: {report.digests_valid} valid, {report.digests_invalid} invalid")
        print(f"Log files:    {report.logs_valid} valid, {report.logs_invalid} invalid")
        for p in report.problems:
            tag = "WARNING" if p.kind in WARNINGS else "PROBLEM"
            print(f"{tag} {p.kind}: {p.path}\n    {p.detail}")
        print("RESULT: " + ("tampering or gaps found" if report.failed else "the logs are complete and unchanged"
                            + (" (chain heads unverified: supply SIGNATURES)" if report.problems else "")))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
