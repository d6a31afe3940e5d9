"""CloudWatch Logs JSON filter patterns, evaluated over CloudTrail records (for tests and investigations).

Supported: `{ ... }` with selectors `$.a.b` and `$.a[0]`, `=` and `!=` against quoted or bare strings
(`*` as a wildcard anywhere), numbers, `true`/`false`/`null`; `<`, `<=`, `>`, `>=` against numbers;
`NOT EXISTS`, `IS NULL`; `&&`, `||` (&& binds tighter) and parentheses. A comparison on a field the event
does not have does not match (neither `=` nor `!=`). No kept Python library implements this syntax.
"""
from __future__ import annotations

import fnmatch
import re
from typing import Any, Callable

_TOKEN = re.compile(r'\s*(?:(\{|\}|\(|\)|&&|\|\||!=|<=|>=|=|<|>)|("(?:[^"\\]|\\.)*")|'
                    r'(NOT\s+EXISTS\b|IS\s+NULL\b)|(\$(?:\.[A-Za-z0-9_@:-]+|\[\d+\])+)|([^\s(){}=!<>&|"]+))')
_MISSING = object()

Predicate = Callable[[dict], bool]


class PatternError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise PatternError(f"cannot read the pattern at {text[pos:pos + 20]!r}")
        pos = m.end()
        op, quoted, word_op, selector, bare = m.groups()
        if op:
            out.append(("op", op))
        elif quoted is not None:
            out.append(("value", bytes(quoted[1:-1], "utf-8").decode("unicode_escape")))
        elif word_op:
            out.append(("op", " ".join(word_op.split())))
        elif selector:
            out.append(("selector", selector))
        else:
            out.append(("bare", bare))
    return out


def _lookup(record: Any, selector: str) -> Any:
    value = record
    for part in re.findall(r"\.([A-Za-z0-9_@:-]+)|\[(\d+)\]", selector):
        key, index = part
        if key:
            if not isinstance(value, dict) or key not in value:
                return _MISSING
            value = value[key]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
    return value


def _equals(actual: Any, expected: str, bare: bool) -> bool:
    if bare and expected in ("true", "false") and isinstance(actual, bool):
        return actual == (expected == "true")
    if bare and expected == "null":
        return actual is None
    if isinstance(actual, (int, float)) and not isinstance(actual, bool):
        try:
            return float(expected) == actual
        except ValueError:
            return False
    if not isinstance(actual, str):
        return False
    return fnmatch.fnmatchcase(actual, expected.replace("[", "[[]")) if "*" in expected else actual == expected


def compile_pattern(text: str) -> Predicate:
    tokens = _tokens(text)
    if not tokens or tokens[0] != ("op", "{") or tokens[-1] != ("op", "}"):
        raise PatternError("a JSON filter pattern is wrapped in { }")
    tokens = tokens[1:-1]
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else ("end", "")

    def take():
        nonlocal position
        token = peek()
        position += 1
        return token

    def parse_or() -> Predicate:
        terms = [parse_and()]
        while peek() == ("op", "||"):
            take()
            terms.append(parse_and())
        return terms[0] if len(terms) == 1 else (lambda r, ts=terms: any(t(r) for t in ts))

    def parse_and() -> Predicate:
        terms = [parse_unary()]
        while peek() == ("op", "&&"):
            take()
            terms.append(parse_unary())
        return terms[0] if len(terms) == 1 else (lambda r, ts=terms: all(t(r) for t in ts))

    def parse_unary() -> Predicate:
        kind, value = take()
        if (kind, value) == ("op", "("):
            inner = parse_or()
            if take() != ("op", ")"):
                raise PatternError("a '(' is not closed")
            return inner
        if kind != "selector":
            raise PatternError(f"expected a selector such as $.eventName, found {value!r}")
        selector = value
        op_kind, op = take()
        if op == "NOT EXISTS":
            return lambda r: _lookup(r, selector) is _MISSING
        if op == "IS NULL":
            return lambda r: _lookup(r, selector) is None
        if op_kind != "op" or op not in ("=", "!=", "<", "<=", ">", ">="):
            raise PatternError(f"expected a comparison after {selector}, found {op!r}")
        value_kind, expected = take()
        if value_kind not in ("value", "bare"):
            raise PatternError(f"expected a value after {selector} {op}")
        bare = value_kind == "bare"
        if op in ("=", "!="):
            negate = op == "!="

            def compare(r):
                actual = _lookup(r, selector)
                if actual is _MISSING:
                    return False
                return _equals(actual, expected, bare) != negate
            return compare
        limit = float(expected)
        check = {"<": limit.__gt__, "<=": limit.__ge__, ">": limit.__lt__, ">=": limit.__le__}[op]
        return lambda r: isinstance(_lookup(r, selector), (int, float)) and check(_lookup(r, selector))

    predicate = parse_or()
    if position != len(tokens):
        raise PatternError(f"unexpected {peek()[1]!r}")
    return predicate
