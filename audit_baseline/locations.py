"""Where the pack and the default program are, in a checkout and in an installed copy.

In a checkout (this repository cloned), the pack is ``policies/`` and the default program is the
repository's own. Installed (``pipx install .``), the pack travels inside this package as data
(``audit_baseline/policies/``, the same files as ``policies/``; its rules are the installed
``audit_pack``), and the default program is the Pulumi project that holds the current directory,
found as the Pulumi CLI finds it: the nearest ``Pulumi.yaml`` in the current directory or a parent.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent  # the repository's root in a checkout; site-packages when installed
PACK_FILE = "PulumiPolicy.yaml"


def in_checkout() -> bool:
    """True when this code runs from a clone of the repository (its program and pack beside it)."""
    return (CHECKOUT / "Pulumi.yaml").is_file() and (CHECKOUT / "policies" / PACK_FILE).is_file()


def default_pack() -> Path:
    """The policy pack directory: ``policies/`` of the checkout, else the copy installed with the package."""
    if in_checkout():
        return CHECKOUT / "policies"
    return PACKAGE / "policies"


def project_above(start: Path) -> Optional[Path]:
    """The nearest directory at or above ``start`` that holds a ``Pulumi.yaml`` (None if there is none)."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory
    return None


def default_program(cwd: Optional[Path] = None) -> Path:
    """The program ``plan`` runs without ``--program``.

    From a checkout: the repository's own program (``make plan`` plans the dev stack of the baseline).
    Installed: the Pulumi project holding the current directory, as ``pulumi preview`` finds it; when
    there is none, the current directory itself (the plan then stops with "no Pulumi.yaml").
    """
    if in_checkout():
        return CHECKOUT
    cwd = Path.cwd() if cwd is None else cwd
    return project_above(cwd) or cwd
