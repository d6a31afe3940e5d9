"""The gate's reading of ``--account`` and ``--stack-outputs``.

``--account`` takes an account description file (:mod:`preflight.account`, issue 12's contract) or, as
before, a bare 12-digit account id (a fresh account with that id). ``--stack-outputs`` names a JSON
file ``{"<org>/<project>/<stack>": {"<output>": value}}``: the outputs a ``pulumi.StackReference`` to
that stack reads; a reference to a stack the file does not hold has unknown outputs, as in a preview
before that stack exists.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from common import UsageError, read_json

_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass
class _FreshAccount:
    """Used only until :mod:`preflight.account` is present: an id and a partition."""

    account_id: str = "123456789012"
    partition: str = "aws"


def account_from_option(value: Optional[str]):
    try:
        from .account import Account, load_account
    except ImportError:
        Account = load_account = None
    if value is None or value == "":
        return Account.default() if Account else _FreshAccount()
    if _ACCOUNT_ID.match(value) and not Path(value).exists():
        return Account.model_validate({"accountId": value}) if Account else _FreshAccount(value)
    if load_account is not None:
        return load_account(value)
    data = read_json(value, "ACCOUNT")
    if not isinstance(data, dict):
        raise UsageError(f"ACCOUNT: {value} must hold a JSON object (an account description)")
    return _FreshAccount(str(data.get("accountId", "123456789012")), str(data.get("partition", "aws")))


def stack_outputs_from_file(path: Optional[str]) -> Callable[[str], Optional[dict]]:
    if not path:
        return lambda name: None
    data = read_json(path, "STACK_OUTPUTS")
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise UsageError(f"STACK_OUTPUTS: {path} must hold a JSON object "
                         '{"<org>/<project>/<stack>": {"<output>": value}}')
    for name in data:
        if len(str(name).split("/")) != 3:
            raise UsageError(f"STACK_OUTPUTS: {path}: {name!r} is not a fully qualified stack name "
                             "(<org>/<project>/<stack>)")

    def lookup(name: str) -> Optional[dict]:
        """``org/project/stack``, or the shorter ``project/stack`` / ``stack`` a program may write."""
        if name in data:
            return data[name]
        parts = name.split("/")
        found = [v for k, v in data.items() if k.split("/")[-len(parts):] == parts]
        return found[0] if len(found) == 1 else None
    return lookup
