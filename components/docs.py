"""Documentation generated from code: the README's tables come from here (`make docs`).

Each table sits in README.md between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``; a test
fails when the README and the code disagree.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Callable

from .settings import FIELDS, NAMESPACE


def _default(value) -> str:
    if value in ((), {}, "", None):
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return str(value)


def settings_table() -> str:
    rows = ["| key | default | allowed | what it does |", "|---|---|---|---|",
            "| `aws:region` | – | an AWS region | Home region: the trail, the key and the buckets live here. |"]
    for f in FIELDS:
        rows.append(f"| `{f.key}` | {_default(f.default)} | {f.allowed} | {f.doc} |")
    return "\n".join(rows)


SECTIONS: dict[str, Callable[[], str]] = {"settings": settings_table}


def render_readme(text: str) -> str:
    for name, build in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:begin -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README.md has no <!-- {name}:begin --> ... <!-- {name}:end --> section")
        text = pattern.sub(lambda m: m.group(1) + build() + "\n" + m.group(2), text)
    return text


def main() -> int:
    readme = Path(__file__).resolve().parent.parent / "README.md"
    readme.write_text(render_readme(readme.read_text()))
    print(f"updated {readme.name}: {', '.join(SECTIONS)} (namespace {NAMESPACE})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
