"""YAML read with the position of every key and value, so errors point at file:line:col.

PyYAML composes a node tree that keeps marks; we build plain Python data from it and a
``SourceMap`` from data paths (``("purposes", "newsletter", "legal_basis")``) to positions.
Several files are merged section by section; what is defined twice is an error that names
both places.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Location:
    """A place in a manifest file; line and column count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class SourceError:
    """A problem found while reading YAML (syntax, duplicates, environment variables)."""

    location: Location
    message: str
    hint: str | None = None
    fatal: bool = False  # the file could not be read whole: later checks would only add noise


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of the merged manifest came from."""

    values: dict[PathKey, Location] = field(default_factory=dict)
    keys: dict[PathKey, Location] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def locate(self, path: Iterable[str | int], *, key: bool = False) -> Location | None:
        """The position of ``path``, or of its nearest ancestor that has one."""
        parts = tuple(path)
        table = self.keys if key else self.values
        if parts in table:
            return table[parts]
        while parts:
            parts = parts[:-1]
            if parts in self.values:
                return self.values[parts]
        return Location(self.files[0], 1, 1) if self.files else None


@dataclass
class _Located:
    """A value still carrying its position, before merging and flattening."""

    value: Any
    location: Location
    key_location: Location | None = None


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# Values kept as templates and resolved only when used (a datastore URL is needed to
# connect, not to lint the manifest in CI where the secret is absent).
_DEFERRED_ENV_KEYS = {"url"}


class _ManifestLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, so the country `NO` stays text."""


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ManifestLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _mark(file: str, mark: yaml.Mark) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


def expand_env(text: str, environ: dict[str, str] | os._Environ[str]) -> tuple[str, list[str]]:
    """Replace ``${VAR}`` and ``${VAR:-default}``; return the text and the unset names."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        missing.append(name)
        return match.group(0)

    return _ENV.sub(replace, text), missing


class _Builder:
    def __init__(self, file: str, loader: _ManifestLoader, environ: dict[str, str]) -> None:
        self.file = file
        self.loader = loader
        self.environ = environ
        self.errors: list[SourceError] = []

    def build(self, node: yaml.Node, parent_key: str | None = None) -> _Located:
        location = _mark(self.file, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, _Located] = {}
            for key_node, value_node in node.value:
                key_location = _mark(self.file, key_node.start_mark)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.errors.append(SourceError(key_location, "a key must be plain text"))
                    continue
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.errors.append(
                        SourceError(key_location, "YAML merge keys (`<<`) are not supported",
                                    "write the fields out, or split the manifest in files")
                    )
                    continue
                key = str(key_node.value)
                if key in result:
                    first = result[key].key_location
                    self.errors.append(
                        SourceError(key_location, f"`{key}` is defined twice in this mapping",
                                    f"the first definition is at {first}; keep one")
                    )
                    continue
                child = self.build(value_node, key)
                child.key_location = key_location
                result[key] = child
            return _Located(result, location)
        if isinstance(node, yaml.SequenceNode):
            return _Located([self.build(item) for item in node.value], location)
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, str) and parent_key not in _DEFERRED_ENV_KEYS:
            value, missing = expand_env(value, self.environ)
            for name in missing:
                self.errors.append(
                    SourceError(location, f"environment variable `{name}` is not set",
                                f"set it, or give a default: ${{{name}:-value}}")
                )
        return _Located(value, location)


def read_yaml(text: str, file: str, environ: dict[str, str] | None = None) -> tuple[
    _Located | None, list[SourceError]
]:
    """Parse one YAML document; syntax errors come back located, never raised."""
    loader = _ManifestLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        builder = _Builder(file, loader, dict(os.environ) if environ is None else environ)
        return builder.build(node), builder.errors
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = _mark(file, mark) if mark else Location(file, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [SourceError(location, f"YAML syntax error: {problem}",
                                  "check the indentation and quoting on this line", fatal=True)]
    except yaml.YAMLError as exc:
        return None, [SourceError(Location(file, 1, 1), f"YAML error: {exc}", fatal=True)]
    finally:
        loader.dispose()


def _merge(base: _Located, extra: _Located, depth: int, errors: list[SourceError]) -> None:
    """Merge ``extra`` into ``base``: sections key by key, lists appended, nothing overwritten."""
    if not isinstance(base.value, dict) or not isinstance(extra.value, dict):
        errors.append(SourceError(extra.location, "the files do not have the same shape here",
                                  f"the other definition is at {base.location}"))
        return
    for key, item in extra.value.items():
        current = base.value.get(key)
        if current is None:
            base.value[key] = item
        elif isinstance(current.value, list) and isinstance(item.value, list):
            current.value.extend(item.value)
        elif isinstance(current.value, dict) and isinstance(item.value, dict) and depth == 0:
            _merge(current, item, depth + 1, errors)
        elif current.value == item.value and not isinstance(item.value, dict | list):
            continue
        else:
            errors.append(
                SourceError(item.key_location or item.location,
                            f"`{key}` is defined in two manifest files",
                            f"the other definition is at {current.key_location or current.location}"
                            "; keep one")
            )


def _flatten(node: _Located, path: PathKey, source: SourceMap) -> Any:
    source.values[path] = node.location
    if node.key_location is not None:
        source.keys[path] = node.key_location
    if isinstance(node.value, dict):
        return {k: _flatten(v, (*path, k), source) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_flatten(v, (*path, i), source) for i, v in enumerate(node.value)]
    return node.value


def manifest_files(target: Path) -> list[Path]:
    """The YAML files of a manifest: the file itself, or every *.yaml / *.yml in a folder."""
    if target.is_dir():
        return sorted(p for p in target.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    return [target]


def read_manifest_sources(
    files: list[Path], *, root: Path | None = None, environ: dict[str, str] | None = None
) -> tuple[dict[str, Any], SourceMap, list[SourceError]]:
    """Read and merge manifest files into plain data, its source map and any errors."""
    errors: list[SourceError] = []
    merged: _Located | None = None
    source = SourceMap()
    for path in files:
        shown = display_path(path, root)
        source.files.append(shown)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(SourceError(Location(shown, 1, 1), f"cannot read the file: {exc}",
                                      fatal=True))
            continue
        node, file_errors = read_yaml(text, shown, environ)
        errors.extend(file_errors)
        if node is None:
            continue
        if not isinstance(node.value, dict):
            errors.append(SourceError(node.location,
                                      "a manifest file must be a mapping of sections",
                                      "start with e.g. `organization:` or `purposes:`", fatal=True))
            continue
        if merged is None:
            merged = node
        else:
            _merge(merged, node, 0, errors)
    data = _flatten(merged, (), source) if merged is not None else {}
    return data, source, errors


def display_path(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` where it lies inside it, as messages show it."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def iter_paths(data: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, Any]]:
    """Every (path, value) pair in nested data, depth first."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_paths(value, (*path, index))
