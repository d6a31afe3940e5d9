"""Every key of the stack's config, read as the program receives it, and the keys in the wrong place.

``pulumi.Config`` answers only for keys asked by name, so a setting written under the wrong
namespace (``aws:cloudWatchLogs``, ``audit-baselin:expireAfterDays``) would be silently ignored.
The program reads the whole config the language host handed it (``pulumi.runtime.config``: the
``PULUMI_CONFIG`` environment the CLI sets, and what ``set_all_config`` set) and reports:

- a key of this project under ``aws:`` or under a namespace that is a near-miss of ours;
- an ``aws:`` key the installed provider does not define (its keys are read from
  ``pulumi_aws/config/vars.py``, the provider's own list of configuration variables);
- a secure value that could not be decrypted (the offline plan passes ``OFFLINE_SECRET`` for them).
"""
from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

NAMESPACE = "audit-baseline"
PROVIDER = "aws"
# What the offline plan (preflight.runner) passes for a secure value it cannot decrypt.
OFFLINE_SECRET = "[secret]"


def all_config() -> dict[str, Any]:
    """Every ``namespace:key`` of the stack's config with its raw value (text, or data when set so)."""
    from pulumi.runtime import config as runtime_config
    merged = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged


def secret_keys(config: Iterable[str]) -> set[str]:
    """The keys of ``config`` marked secret, as the language host reports them (environment or SDK state)."""
    from pulumi.runtime import config as runtime_config
    from_env = set(runtime_config.get_config_secret_keys_env())
    return {k for k in config if k in from_env or runtime_config.is_config_secret(k)}


def split(full_key: str) -> tuple[str, str]:
    """``ns:key`` (or the older ``ns:config:key``) -> (ns, key)."""
    namespace, _, key = full_key.partition(":")
    return namespace, key.removeprefix("config:")


def project_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``audit-baseline:*`` keys, namespace stripped."""
    return {split(k)[1]: v for k, v in config.items() if split(k)[0] == NAMESPACE}


@functools.lru_cache(maxsize=1)
def provider_keys() -> frozenset[str]:
    """The configuration keys the installed pulumi_aws defines (``aws:<key>``)."""
    import importlib.util
    spec = importlib.util.find_spec("pulumi_aws")  # read the file, not the module: importing it reads config
    source = (Path(spec.origin).parent / "config" / "vars.py").read_text(encoding="utf-8")
    return frozenset(re.findall(r"__config__\.get\w*\('(\w+)'\)", source))


def misplaced(config: Iterable[str], fields: Iterable[str]) -> list[str]:
    """Problems for keys that belong elsewhere: ours under ``aws:`` or a misspelled namespace, and
    ``aws:`` keys the provider does not define."""
    fields = sorted(fields)
    problems = []
    for full_key in config:
        namespace, key = split(full_key)
        if namespace == PROVIDER:
            if key in provider_keys():
                continue
            if key in fields:
                problems.append(f"{full_key}: '{key}' is a setting of this project, not of the AWS provider; "
                                f"set '{NAMESPACE}:{key}' instead")
                continue
            close = difflib.get_close_matches(key, sorted(provider_keys()), n=1, cutoff=0.7)
            ours = difflib.get_close_matches(key, fields, n=1, cutoff=0.7)
            hint = (f"did you mean '{PROVIDER}:{close[0]}'?" if close else
                    f"did you mean '{NAMESPACE}:{ours[0]}'?" if ours else
                    "the provider's keys are " + ", ".join(sorted(provider_keys())))
            problems.append(f"{full_key}: not a setting of the AWS provider (pulumi-aws); {hint}")
        elif namespace != NAMESPACE and _near(namespace, NAMESPACE):
            close = key if key in fields else (difflib.get_close_matches(key, fields, n=1, cutoff=0.6) or [None])[0]
            hint = f"did you mean '{NAMESPACE}:{close}'?" if close else f"this project's namespace is '{NAMESPACE}'"
            problems.append(f"{full_key}: unknown namespace '{namespace}'; {hint}")
    return problems


def _near(namespace: str, wanted: str) -> bool:
    folded = re.sub(r"[^a-z0-9]", "", namespace.lower())
    return folded == re.sub(r"[^a-z0-9]", "", wanted) or \
        difflib.SequenceMatcher(None, namespace.lower(), wanted).ratio() >= 0.8
