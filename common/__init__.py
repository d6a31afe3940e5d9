"""What the command-line tools (preflight, integrity, investigate) share: usage errors and option files."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class UsageError(Exception):
    """The command's input cannot be used (exit status 2, a clear message, no traceback)."""


def read_json(path: str, option: str) -> Any:
    """A JSON file named by a command-line option."""
    try:
        return json.loads(Path(path).read_text())
    except (FileNotFoundError, IsADirectoryError):
        raise UsageError(f"{option}: {path} does not exist") from None
    except ValueError as error:
        raise UsageError(f"{option}: {path} is not JSON: {error}") from None
