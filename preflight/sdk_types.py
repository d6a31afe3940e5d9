"""The result types of data sources, read from a Pulumi provider SDK's generated Python sources without
importing them.

A generated SDK (``pulumi_<package>``, laid out by pulumi-language-python) defines each data source
``<package>:<module>/<function>:<function>`` in ``pulumi_<package>/<module>/<snake_function>.py`` (module
``index``: the package root): a ``@pulumi.output_type`` class ``Get...Result`` whose properties carry
``@pulumi.getter(name="<wire name>")`` and a return annotation, nested types living in the module's
``outputs.py``, and the function ``<snake_function>(<arguments>, opts=None)``. Reading the sources instead of
importing them costs milliseconds rather than the seconds a provider's module takes to import, executes
none of the SDK's code, and reads the SDK of the program's own environment (``paths``: its
site-packages), whatever version or provider it is (pulumi-aws 6 or 7, awsx, random, ...).

Types are plain tuples: ``("str",)``, ``("bool",)``, ``("int",)``, ``("float",)``, ``("any",)``,
``("list", item)``, ``("map", value)``, ``("optional", inner)``, ``("object", fields)`` where ``fields``
is a dict of wire name -> type (resolved lazily: ``("ref", file, class name)`` until read).
"""
from __future__ import annotations

import ast
import functools
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

ANY = ("any",)
SCALARS = {"str": ("str",), "bool": ("bool",), "int": ("int",), "float": ("float",), "Any": ANY,
           "dict": ("map", ANY), "list": ("list", ANY), "object": ANY}


@dataclass(frozen=True)
class Shape:
    """A data source's result: wire name -> type, and the wire names of its arguments."""

    fields: dict
    arguments: frozenset = field(default_factory=frozenset)


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def token_parts(token: str) -> tuple[str, str, str]:
    """``aws:ec2/getAmi:getAmi`` -> (aws, ec2, getAmi); ``awsx:ec2:getDefaultVpc`` -> (awsx, ec2, getDefaultVpc)."""
    parts = token.split(":")
    if len(parts) != 3:
        return token, "index", token
    package, module, function = parts
    return package, module.split("/")[0] or "index", function


@functools.lru_cache(maxsize=None)
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


@functools.lru_cache(maxsize=None)
def _package_dir(package: str, paths: tuple) -> Optional[Path]:
    for base in paths:
        candidate = Path(base) / package
        if (candidate / "__init__.py").is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=None)
def _module_dirs(package_dir: Path) -> dict:
    """Token module -> folder, from the SDK's registration table in ``__init__.py`` (``lambda`` ->
    ``lambda_``)."""
    match = re.search(r'resource_modules="""(.*?)"""', _text(package_dir / "__init__.py"), re.S)
    out: dict = {}
    if match:
        try:
            for entry in json.loads(match.group(1)):
                fqn = entry["fqn"].split(".")
                out.setdefault(entry["mod"].split("/")[0], package_dir.joinpath(*fqn[1:]))
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    return out


def _function_file(token: str, paths: tuple) -> Optional[Path]:
    package, module, function = token_parts(token)
    package_dir = _package_dir("pulumi_" + package.replace("-", "_"), paths)
    if package_dir is None:
        return None
    if module == "index":
        folders = [package_dir]
    else:
        folders = [_module_dirs(package_dir).get(module, package_dir / module), package_dir / f"{module}_"]
    for folder in folders:
        path = folder / f"{snake(function)}.py"
        if path.is_file():
            return path
    return None


def result_shape(token: str, paths: Optional[Iterable[str]] = None) -> Optional[Shape]:
    """The result type of ``token`` from the SDK sources found under ``paths`` (default: ``sys.path``);
    None when no SDK there defines it."""
    return _result_shape(token, tuple(str(p) for p in (sys.path if paths is None else paths)))


@functools.lru_cache(maxsize=None)
def _result_shape(token: str, paths: tuple) -> Optional[Shape]:
    path = _function_file(token, paths)
    if path is None:
        return None
    try:
        tree = ast.parse(_text(path))
    except SyntaxError:
        return None
    name = token_parts(token)[2]
    function, expected = snake(name), name[:1].upper() + name[1:] + "Result"
    results, arguments = [], frozenset()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.endswith("Result") and not node.name.startswith("Awaitable") \
                and _is_output_type(node):
            results.append(node)
        if isinstance(node, ast.FunctionDef) and node.name == function:
            names = [a.arg for a in node.args.args + node.args.kwonlyargs]
            arguments = frozenset(camel(n) for n in names if n != "opts")
    if not results:
        return None
    result = next((n for n in results if n.name == expected), results[0])
    return Shape(_class_fields(result, path.parent), arguments)


def _is_output_type(node: ast.ClassDef) -> bool:
    return any(ast.unparse(d).endswith("output_type") for d in node.decorator_list)


def _class_fields(node: ast.ClassDef, folder: Path) -> dict:
    """Wire name -> type of each ``@pulumi.getter`` property of an output class."""
    out = {}
    for item in node.body:
        if not isinstance(item, ast.FunctionDef):
            continue
        wire = None
        for decorator in item.decorator_list:
            text = ast.unparse(decorator)
            if text in ("pulumi.getter", "getter"):
                wire = item.name
            elif isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("getter"):
                names = [k.value for k in decorator.keywords if k.arg == "name"]
                wire = ast.literal_eval(names[0]) if names else item.name
        if wire is not None:
            out[wire] = _type(item.returns, folder)
    return out


def _type(node: Optional[ast.AST], folder: Path) -> tuple:
    """A type annotation's AST -> a type tuple (see the module docstring)."""
    if node is None:
        return ANY
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _type(ast.parse(node.value, mode="eval").body, folder)
        except SyntaxError:
            return ANY
    if isinstance(node, ast.Subscript):
        head = ast.unparse(node.value).split(".")[-1]
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if head == "Optional":
            return ("optional", _type(args[0], folder))
        if head in ("Sequence", "List", "list", "Set", "AbstractSet", "Tuple", "tuple"):
            return ("list", _type(args[0], folder))
        if head in ("Mapping", "Dict", "dict"):
            return ("map", _type(args[-1], folder))
        if head == "Union":
            members = [a for a in args if ast.unparse(a) != "None"]
            inner = _type(members[0], folder) if members else ANY
            return ("optional", inner) if len(members) < len(args) else inner
        if head in ("Output", "Input"):
            return _type(args[0], folder)
        return ANY
    text = ast.unparse(node)
    name = text.split(".")[-1]
    if name in SCALARS:
        return SCALARS[name]
    if "." in text:  # outputs.GetXResult, _root_outputs.GetXResult
        qualifier = text.rsplit(".", 1)[0]
        file = folder / "outputs.py" if qualifier == "outputs" else None
        if qualifier.endswith("_root_outputs"):
            file = _root(folder) / "outputs.py"
        if file is not None and file.is_file():
            return ("ref", str(file), name)
    return ANY


def _root(folder: Path) -> Path:
    while (folder.parent / "__init__.py").is_file():
        folder = folder.parent
    return folder


@functools.lru_cache(maxsize=None)
def _class_spans(file: str) -> dict:
    """Class name -> (start, end) of its source in ``file``: from its ``class`` line to the next line that
    starts in column 0 (decorator, class, function or statement). One pass over the file."""
    text = _text(Path(file))
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"^class (\w+)", text, re.M)]
    tops = [m.start() for m in re.finditer(r"^[@A-Za-z_]", text, re.M)]
    spans, index = {}, 0
    for start, name in starts:
        while index < len(tops) and tops[index] <= start:
            index += 1
        spans[name] = (start, tops[index] if index < len(tops) else len(text))
    return spans


@functools.lru_cache(maxsize=None)
def object_fields(file: str, name: str) -> dict:
    """The fields of output class ``name`` in ``file`` (an SDK's ``outputs.py``); only that class's source
    is parsed."""
    span = _class_spans(file).get(name)
    if span is None:
        return {}
    source = _text(Path(file))[span[0]:span[1]]
    try:
        (node,) = ast.parse(source).body
    except (SyntaxError, ValueError):
        return {}
    return _class_fields(node, Path(file).parent) if isinstance(node, ast.ClassDef) else {}


def resolve(typ: tuple) -> tuple:
    """A ``ref`` type read on demand as an ``object`` type."""
    if typ[0] == "ref":
        return ("object", object_fields(typ[1], typ[2]))
    return typ


@functools.lru_cache(maxsize=None)
def sdk_paths_for(interpreter: str, timeout: float = 30.0) -> tuple:
    """The import path (``sys.path``) of the program's interpreter, where its provider SDKs are installed:
    pass it as ``sdk_paths`` to :func:`preflight.datasources.answer_invoke`. Runs the interpreter once
    (``-I``: isolated, no site customization from the environment); () when it cannot run."""
    import subprocess
    try:
        done = subprocess.run([interpreter, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
                              capture_output=True, text=True, timeout=timeout)
        return tuple(p for p in json.loads(done.stdout) if p) if done.returncode == 0 else ()
    except (OSError, ValueError, subprocess.SubprocessError):
        return ()
