"""The gate's reading of ``--account`` and ``--stack-outputs``.

``--account`` takes an account description file (:mod:`preflight.account`, issue 12's contract) or, as
before, a bare 12-digit account id (a fresh account with that id). ``--stack-outputs`` names a JSON
file ``{"<org>/<project>/<stack>": {"<output>": value}}``: the outputs a ``pulumi.StackReference`` to
that stack reads; a reference to a stack the file does not hold has unknown outputs, as in a preview
before that stack exists.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Optional


_ACCOUNT_ID = re.compile(r"^\d{12}$")


def account_from_option(value: Optional[str]):
    """The account for ``--account``: a description file, a bare 12-digit id, or (None) a fresh account."""
    from .account import Account, load_account
    if value is None or value == "":
        return Account.default()
    if _ACCOUNT_ID.match(value) and not Path(value).exists():
        return Account.model_validate({"accountId": value})
    return load_account(value)


def stack_outputs_from_file(path: Optional[str], organization: Optional[str] = None,
                            project: Optional[str] = None) -> Callable[[str], Optional[dict]]:
    from .datasources import stack_outputs_lookup
    return stack_outputs_lookup(path, organization, project)
