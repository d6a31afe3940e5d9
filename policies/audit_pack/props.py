"""Reading resource properties as plain data without tripping over unknown values.

During ``pulumi preview`` values not yet known arrive as sentinel strings, and the SDK wraps the
properties in proxies that raise on reading one. ``plain`` turns a property bag (proxied or not)
into dicts and lists where every unknown value is the ``UNKNOWN`` marker, so that rules are pure
functions over data and can tell "unknown" from "absent".
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

try:  # the pack always has pulumi_policy; plain data in tests does not need it
    from pulumi_policy.proxy import UnknownValueError
except ImportError:  # pragma: no cover
    class UnknownValueError(Exception):
        pass

SENTINELS = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # bool
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
})


class _Unknown:
    """A value that cannot be known before deployment."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; compare with `is UNKNOWN` first")


UNKNOWN = _Unknown()


def plain(value: Any) -> Any:
    """A copy of ``value`` as dicts, lists and scalars, with ``UNKNOWN`` for every unknown value."""
    if isinstance(value, str):
        return UNKNOWN if value in SENTINELS else value
    if isinstance(value, Mapping):
        out = {}
        for key in list(value):  # iterating keys never reads a value
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def truthy(value: Any, absent: Any = False) -> Any:
    """True, False or UNKNOWN for a bool the engine may send as a bool or a string ("true"); ``absent``
    when the value is None (not set)."""
    if value is None:
        return absent
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def as_list(value: Any) -> list:
    """A list property as a list (absent or malformed: empty; UNKNOWN stays inside as an element)."""
    if value is UNKNOWN:
        return [UNKNOWN]
    return list(value) if isinstance(value, list) else []


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def number(value: Any) -> Any:
    """An int from a float or a numeric string; UNKNOWN or None otherwise."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def has_unknown(value: Any) -> bool:
    """Whether ``value`` holds an unknown anywhere inside."""
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False
