"""The registry of checks: which rule (by Config rule name) is checked how, on which resource types."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

# (plain properties, policy config) -> violation messages
ResourceCheck = Callable[[Mapping[str, Any], Mapping[str, Any]], Sequence[str]]
# (plain resources [{type, urn, name, props, parent}], policy config) -> [(urn, message)]
StackCheck = Callable[[Sequence[Mapping[str, Any]], Mapping[str, Any]], Sequence[tuple]]


@dataclass(frozen=True)
class ResourceRule:
    name: str
    types: frozenset
    check: ResourceCheck


@dataclass(frozen=True)
class StackRule:
    name: str
    check: StackCheck


RESOURCE_RULES: dict[str, ResourceRule] = {}
STACK_RULES: dict[str, StackRule] = {}


def resource_check(name: str, types: Sequence[str]):
    """Register ``fn`` as the pre-deployment check of the Config rule ``name`` on these type tokens."""
    def register(fn: ResourceCheck) -> ResourceCheck:
        if name in RESOURCE_RULES or name in STACK_RULES:
            raise ValueError(f"rule {name} registered twice")
        RESOURCE_RULES[name] = ResourceRule(name, frozenset(types), fn)
        return fn
    return register


def stack_check(name: str):
    """Register ``fn`` as a check that needs the whole stack (several resources joined)."""
    def register(fn: StackCheck) -> StackCheck:
        if name in RESOURCE_RULES or name in STACK_RULES:
            raise ValueError(f"rule {name} registered twice")
        STACK_RULES[name] = StackRule(name, fn)
        return fn
    return register
