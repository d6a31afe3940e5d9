"""The registry of checks: which rule (by Config rule name) is checked how, on which resource types.

Each registration also says, in words, which shapes and joins the check covers and what stays unknown
before deployment; the pack's README is generated from these (one source of truth).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

# (plain properties, policy config) -> violation messages
ResourceCheck = Callable[[Mapping[str, Any], Mapping[str, Any]], Sequence[str]]
# (StackIndex, policy config) -> [Finding or (urn, message)]
StackCheck = Callable[[Any, Mapping[str, Any]], Sequence[tuple]]

ADVISORY = "advisory"
ADVISORY_PREFIX = "Advisory: "
"""A resource check's message that starts with this is reported at most as advisory."""


@dataclass(frozen=True)
class Finding:
    """One stack finding: the resource it is reported on, the message, and an optional cap on its
    enforcement level (``"advisory"``: reported at most as advisory, whatever the policy's level)."""

    urn: str
    message: str
    level: str | None = None


@dataclass(frozen=True)
class ResourceRule:
    name: str
    types: frozenset
    check: ResourceCheck
    covers: tuple = ()
    unknown: tuple = ()


@dataclass(frozen=True)
class StackRule:
    name: str
    check: StackCheck
    types: frozenset = field(default_factory=frozenset)
    """Every type token the check reads; the others are never deserialized for it."""
    covers: tuple = ()
    unknown: tuple = ()


RESOURCE_RULES: dict[str, ResourceRule] = {}
STACK_RULES: dict[str, StackRule] = {}


def resource_check(name: str, types: Sequence[str], *, covers: Sequence[str] = (), unknown: Sequence[str] = ()):
    """Register ``fn`` as the pre-deployment check of the Config rule ``name`` on these type tokens.
    ``covers``: the shapes and joins it judges, ``unknown``: what it cannot know before deployment."""
    def register(fn: ResourceCheck) -> ResourceCheck:
        if name in RESOURCE_RULES or name in STACK_RULES:
            raise ValueError(f"rule {name} registered twice")
        RESOURCE_RULES[name] = ResourceRule(name, frozenset(types), fn, tuple(covers), tuple(unknown))
        return fn
    return register


def stack_check(name: str, types: Sequence[str], *, covers: Sequence[str] = (), unknown: Sequence[str] = ()):
    """Register ``fn`` as a check that needs the whole stack (several resources joined); ``types`` are all
    the type tokens it reads."""
    def register(fn: StackCheck) -> StackCheck:
        if name in RESOURCE_RULES or name in STACK_RULES:
            raise ValueError(f"rule {name} registered twice")
        STACK_RULES[name] = StackRule(name, fn, frozenset(types), tuple(covers), tuple(unknown))
        return fn
    return register


def stack_types() -> frozenset:
    """Every type token some stack check reads."""
    out: set = set()
    for rule in STACK_RULES.values():
        out |= rule.types
    return frozenset(out)
