"""Readers for the files the gate is given: each names the file (and the line of a syntax error) and
what is wrong in a ``common.UsageError`` (exit status 2), never a traceback.

- ``Pulumi.yaml`` (the project file): a mapping with ``name`` and ``runtime``
  (Pulumi docs, "Pulumi project file reference").
- ``Pulumi.<stack>.yaml`` (the stack settings file): empty, or a mapping whose ``config`` is a mapping
  of ``namespace:key`` -> value (Pulumi docs, "Pulumi stack settings file reference").
- The policy-config JSON (``--policy-pack-config``): an object of policy name (or ``all``) -> an
  enforcement level or an object with ``enforcementLevel`` and the policy's properties
  (Pulumi docs, "Configuring policy packs").
- The state export (``pulumi stack export``): ``{"version": 3, "deployment": {"resources": [...]}}``,
  each resource with a text ``urn`` and ``type``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from common import UsageError

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return {str: "text", list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def read_text(path: str | Path, option: str) -> str:
    """The file's text; a missing, unreadable or non-UTF-8 file is a UsageError naming it."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        raise UsageError(f"{option}: {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{option}: {path} is a directory, not a file") from None
    except PermissionError:
        raise UsageError(f"{option}: {path} cannot be read (permission denied)") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"{option}: {path} is not UTF-8 text (byte {error.start})") from None


def read_json_file(path: str | Path, option: str) -> Any:
    """Parsed JSON; a syntax error names the file, line and column."""
    text = read_text(path, option)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{option}: {path} is not JSON: {error.msg} at line {error.lineno}, "
                         f"column {error.colno}") from None


def read_yaml_file(path: str | Path, option: str) -> Any:
    """Parsed YAML (safe loader); a syntax error names the file and line."""
    text = read_text(path, option)
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        parts = []
        if error.context:
            mark = error.context_mark
            parts.append(error.context + (f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""))
        if error.problem:
            mark = error.problem_mark
            parts.append(error.problem + (f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""))
        raise UsageError(f"{option}: {path} is not valid YAML: {': '.join(parts) or 'syntax error'}") from None
    except yaml.YAMLError as error:
        raise UsageError(f"{option}: {path} is not valid YAML: {error}") from None


# -- Pulumi.yaml --

def read_project_file(path: str | Path) -> dict:
    """``Pulumi.yaml`` as a mapping with a text ``name`` and a ``runtime`` (text or ``{name, options}``)."""
    data = read_yaml_file(path, "project file")
    if not isinstance(data, dict):
        raise UsageError(f"project file: {path} must be a mapping with name and runtime, found {_kind(data)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"project file: {path}: `name` must be the project's name (text), found {_kind(name)}")
    runtime = data.get("runtime")
    if isinstance(runtime, dict):
        if not isinstance(runtime.get("name"), str):
            raise UsageError(f"project file: {path}: `runtime.name` must be a runtime such as python, "
                             f"found {_kind(runtime.get('name'))}")
        if not isinstance(runtime.get("options", {}) or {}, dict):
            raise UsageError(f"project file: {path}: `runtime.options` must be a mapping, "
                             f"found {_kind(runtime.get('options'))}")
    elif not isinstance(runtime, str):
        raise UsageError(f"project file: {path}: `runtime` must be a runtime name such as python, or "
                         f"{{name, options}}; "
                         f"found {_kind(runtime)}")
    if "main" in data and not isinstance(data["main"], str):
        raise UsageError(f"project file: {path}: `main` must be a path relative to the project, "
                         f"found {_kind(data['main'])}")
    return data


# -- Pulumi.<stack>.yaml --

def read_stack_settings(path: str | Path) -> dict:
    """The whole stack settings file as a mapping (``{}`` for an empty file), its ``config`` checked to be a
    mapping with text keys. Other keys (``encryptionsalt``, ``secretsprovider``, ...) are kept as they are.

    An empty file is a stack without settings, as the Pulumi CLI reads it; the program then says which
    setting it misses (for this project: ``aws:region`` not set).
    """
    label = "stack file"
    data = read_yaml_file(path, label)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{label}: {path} must be a mapping (e.g. `config:` then `aws:region: us-east-1`), "
                         f"found {_kind(data)}")
    config = data.get("config")
    if config is not None and not isinstance(config, dict):
        raise UsageError(f"{label}: {path}: `config` must be a mapping of namespace:key to value, "
                         f"found {_kind(config)}")
    for key in config or {}:
        if not isinstance(key, str):
            raise UsageError(f"{label}: {path}: config key {key!r} must be text such as `aws:region`, "
                             f"found {_kind(key)}")
    return data


def read_stack_file(path: str | Path) -> dict:
    """The stack settings file's ``config`` mapping (``{}`` for an empty file or one without ``config``)."""
    return read_stack_settings(path).get("config") or {}


# -- policy config --

def read_policy_config(path: str | Path | None) -> dict:
    """The policy-config JSON (``{}`` without a file), checked for shape before the pack starts.

    Each value is an enforcement level (advisory, mandatory, remediate, disabled) or an object whose
    optional ``enforcementLevel`` is one; ``all`` takes a level only. Which names and properties the
    pack knows is checked later against the pack (``preflight.analyzer.effective_config``).
    """
    if not path:
        return {}
    data = read_json_file(path, "POLICY_CONFIG")
    if not isinstance(data, dict):
        raise UsageError(f"POLICY_CONFIG: {path} must hold a JSON object of policy names, found {_kind(data)}")
    levels = ", ".join(ENFORCEMENT_LEVELS)
    for name, value in data.items():
        if isinstance(value, dict) and name != "all":
            if "enforcementLevel" not in value:
                continue
            level = value["enforcementLevel"]
        else:  # `all` takes a level only
            level = value
        if not isinstance(level, str) or level not in ENFORCEMENT_LEVELS:
            shown = repr(level) if isinstance(level, str) else _kind(level)
            expected = "" if name != "all" else " (`all` takes a level, not an object)"
            raise UsageError(f"POLICY_CONFIG: {path}: policy '{name}': the enforcement level must be one of "
                             f"{levels}{expected}; found {shown}")
    return data


# -- state export --

def read_state_export(path: str | Path) -> dict:
    """A ``pulumi stack export`` document, checked: ``deployment.resources`` a non-empty list of objects,
    each with a text ``urn`` and ``type``. An export without resources has nothing to judge and is refused
    rather than passed."""
    data = read_json_file(path, "STATE")
    if not isinstance(data, dict):
        raise UsageError(f"STATE: {path} must hold a `pulumi stack export` object, found {_kind(data)}")
    deployment = data.get("deployment")
    if not isinstance(deployment, dict):
        raise UsageError(f"STATE: {path} is not a `pulumi stack export` document (no deployment.resources): "
                         f"`deployment` must be an object, found {_kind(deployment)}")
    resources = deployment.get("resources")
    if resources is None:
        raise UsageError(f"STATE: {path} has no deployment.resources: the export holds no resources, so there is "
                         f"nothing to judge (export a stack that has been deployed)")
    if not isinstance(resources, list):
        raise UsageError(f"STATE: {path}: deployment.resources must be a list, found {_kind(resources)}")
    if not resources:
        raise UsageError(f"STATE: {path}: deployment.resources is empty, so there is nothing to judge")
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            raise UsageError(f"STATE: {path}: deployment.resources[{index}] must be an object, found {_kind(resource)}")
        urn, typ = resource.get("urn"), resource.get("type")
        if not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
            raise UsageError(f"STATE: {path}: deployment.resources[{index}].urn must be a URN (urn:pulumi:...), "
                             f"found {_kind(urn) if not isinstance(urn, str) else repr(urn)}")
        if not isinstance(typ, str) or not typ:
            raise UsageError(f"STATE: {path}: deployment.resources[{index}] ({urn}): `type` must be a resource "
                             f"type token such as aws:s3/bucket:Bucket, found {_kind(typ)}")
        for key in ("inputs", "outputs", "propertyDependencies"):
            if resource.get(key) is not None and not isinstance(resource[key], dict):
                raise UsageError(f"STATE: {path}: deployment.resources[{index}] ({urn}): `{key}` must be an object, "
                                 f"found {_kind(resource[key])}")
        if resource.get("dependencies") is not None and not isinstance(resource["dependencies"], list):
            raise UsageError(f"STATE: {path}: deployment.resources[{index}] ({urn}): `dependencies` must be a list, "
                             f"found {_kind(resource['dependencies'])}")
    return data
