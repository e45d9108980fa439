"""Manifest loading: YAML files → one immutable ``Manifest``, or every error, located.

Three passes, all reporting rather than stopping at the first problem:
1. YAML: syntax, duplicate keys, unset environment variables (``source.py``);
2. shape: the pydantic models, with pydantic's error paths mapped back to file:line:col and
   a did-you-mean for unknown keys and values;
3. vocabulary: every taxonomy key known to fideslang or declared under ``taxonomy``.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from privet.manifest.diagnostics import Diagnostic, ManifestError, Severity
from privet.manifest.schema import Manifest
from privet.manifest.source import (
    PathKey,
    SourceMap,
    iter_paths,
    manifest_files,
    read_manifest_sources,
)
from privet.manifest.taxonomy import Taxonomy, TaxonomyKind, TaxonomyTerm

LOADER_RULE = "manifest"


def load_manifest(
    target: Path, *, root: Path | None = None, environ: dict[str, str] | None = None
) -> Manifest:
    """Load a manifest file or folder; raise ``ManifestError`` listing every problem."""
    if not target.exists():
        raise ManifestError([Diagnostic(
            LOADER_RULE, Severity.error, f"no manifest at {target}",
            hint="run `privet demo` for an example, or create privacy/manifest.yaml",
        )])
    files = manifest_files(target)
    if not files:
        raise ManifestError([Diagnostic(
            LOADER_RULE, Severity.error, f"{target} holds no .yaml file",
            hint="put the manifest in privacy/*.yaml",
        )])
    data, source, source_errors = read_manifest_sources(files, root=root, environ=environ)
    diagnostics = [
        Diagnostic(LOADER_RULE, Severity.error, e.message, e.location, e.hint)
        for e in source_errors
    ]
    diagnostics.extend(_vocabulary_diagnostics(data, source))
    if any(e.fatal for e in source_errors):
        raise ManifestError(diagnostics)
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        diagnostics.extend(_shape_diagnostics(exc, data, source))
        raise ManifestError(diagnostics) from None
    if diagnostics:
        raise ManifestError(diagnostics)
    manifest._source = source
    return manifest


# ---------------------------------------------------------------- shape errors from pydantic


def _shape_diagnostics(exc: ValidationError, data: Any, source: SourceMap) -> list[Diagnostic]:
    seen: set[tuple[PathKey, str]] = set()
    result: list[Diagnostic] = []
    for error in exc.errors():
        path = _data_path(error["loc"], data)
        kind = error["type"]
        if (path, kind) in seen or (kind != "missing" and any(p == path for p, _ in seen)):
            continue  # one message per place: a union reports once per branch
        seen.add((path, kind))
        result.append(_describe(error, path, source, _value_at(data, path)))
    return result


def _data_path(loc: tuple[int | str, ...], data: Any) -> PathKey:
    """Pydantic's location with union-branch names dropped, so it matches the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_list or (isinstance(node, dict) and part in node):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and _is_branch_name(part):
            continue
        else:
            path.append(part)
            node = None
    return tuple(path)


def _is_branch_name(part: str) -> bool:
    return bool(re.search(r"[\[\]\-]", part)) or part in {"str", "int", "float", "bool", "none"}


def _dotted(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _value_at(data: Any, path: PathKey) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _describe(error: Any, path: PathKey, source: SourceMap, value: Any) -> Diagnostic:
    kind = error["type"]
    where = _dotted(path)
    if kind == "extra_forbidden":
        key = str(path[-1])
        allowed = _allowed_keys(path[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = (f"did you mean `{close[0]}`?" if close
                else f"allowed here: {', '.join(sorted(allowed))}" if allowed else None)
        return Diagnostic(LOADER_RULE, Severity.error,
                          f"unknown key `{key}` in {_dotted(path[:-1])}",
                          source.locate(path, key=True), hint)
    if kind == "missing":
        key = str(path[-1])
        return Diagnostic(LOADER_RULE, Severity.error,
                          f"missing required key `{key}` in {_dotted(path[:-1])}",
                          source.locate(path[:-1]), f"add `{key}:` here")
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    hint = None
    if kind in {"enum", "literal_error"}:
        expected = [s.strip(" '\"") for s in re.split(r",| or ", error["ctx"]["expected"])]
        expected = [e for e in expected if e]
        given = str(error.get("input"))
        close = difflib.get_close_matches(given, expected, n=1, cutoff=0.5)
        message = f"`{given}` is not allowed here; expected one of: {', '.join(expected)}"
        hint = f"did you mean `{close[0]}`?" if close else None
    elif kind == "string_pattern_mismatch":
        message = f"`{error.get('input')}` is not a valid value here ({error['ctx']['pattern']})"
    # A rule about a whole mapping (`table` or `categories`) points at the mapping's key.
    location = source.locate(path, key=isinstance(value, dict))
    return Diagnostic(LOADER_RULE, Severity.error, f"{where}: {message}", location, hint)


def _allowed_keys(path: PathKey) -> list[str]:
    """The keys the model at ``path`` accepts (field names and aliases)."""
    model = _model_at(Manifest, path)
    if model is None:
        return []
    keys: list[str] = []
    for name, info in model.model_fields.items():
        keys.append(info.alias or name)
    return keys


def _model_at(model: type[BaseModel], path: PathKey) -> type[BaseModel] | None:
    current: Any = model
    for part in path:
        current = _unwrap(current, None)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for n, f in current.model_fields.items()
                          if part in {n, f.alias}), None)
            if field is None:
                return None
            current = field.annotation
        else:
            current = _unwrap(current, part)
        if current is None:
            return None
    current = _unwrap(current, None)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any, part: str | int | None) -> Any:
    """Step through Optional/Union/Annotated; into dict values and list items for a key."""
    while True:
        origin = get_origin(annotation)
        if origin in (Union, types.UnionType):
            models = [a for a in get_args(annotation)
                      if isinstance(a, type) and issubclass(a, BaseModel)]
            containers = [a for a in get_args(annotation) if get_origin(a) in (dict, list)]
            annotation = (models or containers or [None])[0]
            continue
        if origin is not None and hasattr(annotation, "__metadata__"):
            annotation = get_args(annotation)[0]
            continue
        if origin is dict and part is not None:
            return get_args(annotation)[1]
        if origin is list and isinstance(part, int):
            return get_args(annotation)[0]
        return annotation


# ---------------------------------------------------------------- vocabulary


_VOCABULARY: list[tuple[tuple[str, ...], TaxonomyKind]] = [
    # (path pattern with * for any key or index, kind of key expected there)
    (("purposes", "*", "data_use"), "data_use"),
    (("purposes", "*", "data_categories", "*"), "data_category"),
    (("purposes", "*", "data_subjects", "*"), "data_subject"),
    (("promises", "never_collect", "*", "categories", "*"), "data_category"),
    (("promises", "never_collect", "*", "subjects", "*"), "data_subject"),
    (("promises", "never_use", "*", "categories", "*"), "data_category"),
    (("promises", "never_use", "*", "uses", "*"), "data_use"),
    (("promises", "data_residency", "*", "categories", "*"), "data_category"),
    (("datastores", "*", "tables", "*", "data_subjects", "*"), "data_subject"),
    (("datastores", "*", "tables", "*", "fields", "*", "categories", "*"), "data_category"),
    (("retention", "*", "categories", "*"), "data_category"),
    (("processors", "*", "data_categories", "*"), "data_category"),
    (("processors", "*", "data_subjects", "*"), "data_subject"),
]
_SECTION_OF: dict[TaxonomyKind, str] = {
    "data_category": "data_categories", "data_use": "data_uses", "data_subject": "data_subjects",
}
_WORD_OF: dict[TaxonomyKind, str] = {
    "data_category": "data category", "data_use": "data use", "data_subject": "data subject",
}


def _matches(path: PathKey, pattern: tuple[str, ...]) -> bool:
    return len(path) == len(pattern) and all(
        p in ("*", k) for k, p in zip(path, pattern, strict=True)
    )


def taxonomy_references(data: Any) -> Iterator[tuple[PathKey, TaxonomyKind, str]]:
    """Every taxonomy key in manifest data, with its path and the kind expected there."""
    for path, value in iter_paths(data):
        if not isinstance(value, str):
            continue
        for pattern, kind in _VOCABULARY:
            if _matches(path, pattern):
                yield path, kind, value


def _custom_terms(data: Any) -> dict[TaxonomyKind, list[TaxonomyTerm]]:
    """The taxonomy extension read leniently from raw data (it may itself be malformed)."""
    section = data.get("taxonomy") if isinstance(data, dict) else None
    result: dict[TaxonomyKind, list[TaxonomyTerm]] = {}
    for kind, name in _SECTION_OF.items():
        entries = section.get(name) if isinstance(section, dict) else None
        result[kind] = [
            TaxonomyTerm(str(e["key"]), str(e.get("name", e["key"])), "", custom=True)
            for e in (entries if isinstance(entries, list) else [])
            if isinstance(e, dict) and isinstance(e.get("key"), str)
        ]
    return result


def _vocabulary_diagnostics(data: Any, source: SourceMap) -> list[Diagnostic]:
    custom = _custom_terms(data)
    taxonomy = Taxonomy.build(custom)
    result: list[Diagnostic] = []
    for path, kind, key in taxonomy_references(data):
        if taxonomy.knows(kind, key):
            continue
        suggestion = taxonomy.suggest(kind, key)
        hint = (f"did you mean `{suggestion}`?" if suggestion
                else f"declare it under taxonomy.{_SECTION_OF[kind]}")
        result.append(Diagnostic(LOADER_RULE, Severity.error,
                                 f"unknown {_WORD_OF[kind]} `{key}`", source.locate(path), hint))
    for kind, terms in custom.items():
        for index, term in enumerate(terms):
            parent = term.key.rsplit(".", 1)[0] if "." in term.key else None
            if parent and not taxonomy.knows(kind, parent):
                result.append(Diagnostic(
                    LOADER_RULE, Severity.error,
                    f"`{term.key}` extends `{parent}`, which is not a known {_WORD_OF[kind]}",
                    source.locate(("taxonomy", _SECTION_OF[kind], index, "key")),
                    "declare the parent first, or attach it to an existing key",
                ))
    return result
