"""Reading Fides resource files: YAML with the position of every value, checked with
fideslang's own models, every problem reported at file:line:col.

A Fides file is a mapping of resource kinds (``dataset``, ``system``, ``organization``,
``policy``, ``data_category``...) to lists of resources. Files are read as Fides reads them
(PyYAML's safe loader, YAML 1.1), and each resource is validated with the fideslang model of
its kind before anything is translated, so an invalid file changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from privet.manifest.diagnostics import Diagnostic, ManifestError, Severity
from privet.manifest.source import Location, PathKey, display_path

RULE = "fides"

RESOURCE_KINDS = ("dataset", "system", "organization", "policy", "data_category", "data_use",
                  "data_subject")
"""Top-level keys of a Fides resource file that the importer reads."""


@dataclass(frozen=True)
class FidesResource:
    """One resource (a dataset, a system...) as written, with where each part of it is."""

    kind: str
    data: dict[str, Any]
    document: FidesDocument
    path: PathKey
    """Its place in the file, e.g. ``("dataset", 0)``."""

    def locate(self, *parts: str | int) -> Location:
        """Where ``parts`` (relative to the resource) is written, or its nearest ancestor."""
        return self.document.locate((*self.path, *parts))

    @property
    def key(self) -> str:
        return str(self.data.get("fides_key") or self.data.get("key") or "")


@dataclass
class FidesDocument:
    """A Fides YAML file: its data and the location of every value and key."""

    file: str
    data: dict[str, Any]
    values: dict[PathKey, Location] = field(default_factory=dict)
    keys: dict[PathKey, Location] = field(default_factory=dict)

    def locate(self, path: Iterable[str | int]) -> Location:
        """Where the key of ``path`` is written (or its value, or its nearest ancestor)."""
        parts = tuple(path)
        if parts in self.keys:
            return self.keys[parts]
        while parts not in self.values and parts:
            parts = parts[:-1]
        return self.values.get(parts, Location(self.file, 1, 1))

    def resources(self) -> list[FidesResource]:
        found: list[FidesResource] = []
        for kind in RESOURCE_KINDS:
            for index, item in enumerate(self.data.get(kind) or []):
                found.append(FidesResource(kind, item, self, (kind, index)))
        return found


def fides_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, and those under the folders named, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and p.suffix in {".yml", ".yaml"}))
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def _build(node: yaml.Node, path: PathKey, file: str, loader: yaml.SafeLoader,
           values: dict[PathKey, Location], keys: dict[PathKey, Location]) -> Any:
    values[path] = Location(file, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # `<<: *anchor` merge keys, as yaml.safe_load reads them
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            keys[(*path, key)] = Location(file, key_node.start_mark.line + 1,
                                          key_node.start_mark.column + 1)
            result[key] = _build(value_node, (*path, key), file, loader, values, keys)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), file, loader, values, keys)
                for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def read_document(text: str, file: str) -> tuple[FidesDocument | None, list[Diagnostic]]:
    """Parse one Fides file; problems come back located, never raised."""
    loader = yaml.SafeLoader(text)
    values: dict[PathKey, Location] = {}
    keys: dict[PathKey, Location] = {}
    try:
        node = loader.get_single_node()
        data = _build(node, (), file, loader, values, keys) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        return None, [_error(f"YAML syntax error: {exc.problem or exc.context or 'invalid YAML'}",
                             where, "check the indentation and quoting on this line")]
    except yaml.YAMLError as exc:
        return None, [_error(f"YAML error: {exc}", Location(file, 1, 1))]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, [_error("a Fides file must be a mapping of resource kinds",
                             Location(file, 1, 1), "start with e.g. `dataset:` or `system:`")]
    document = FidesDocument(file, data, values, keys)
    problems: list[Diagnostic] = []
    for kind, items in data.items():
        where = document.locate((kind,))
        if kind not in RESOURCE_KINDS:
            continue  # the importer reports it as not carried over
        if not isinstance(items, list):
            problems.append(_error(f"`{kind}` must be a list of resources", where,
                                   f"write `{kind}:` then `- fides_key: ...` items"))
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                problems.append(_error(f"each `{kind}` entry must be a mapping",
                                       document.locate((kind, index))))
                continue
            problems.extend(_validate(FidesResource(kind, item, document, (kind, index))))
    return document, problems


def is_dsr_policy(data: dict[str, Any]) -> bool:
    """A Fides privacy request policy (rules with ``action_type``), as the Fides API takes
    it, rather than a fideslang evaluation policy (rules with ``data_uses``...)."""
    rules = data.get("rules") or []
    return "key" in data or any(isinstance(r, dict) and "action_type" in r for r in rules)


def _model(kind: str, data: dict[str, Any]) -> type[BaseModel] | None:
    from fideslang import models

    chosen: dict[str, type[BaseModel]] = {
        "dataset": models.Dataset, "system": models.System,
        "organization": models.Organization, "data_category": models.DataCategory,
        "data_use": models.DataUse, "data_subject": models.DataSubject,
    }
    if kind == "policy":
        return None if is_dsr_policy(data) else models.Policy
    return chosen[kind]


def _validate(resource: FidesResource) -> list[Diagnostic]:
    if resource.kind == "policy" and is_dsr_policy(resource.data):
        return _validate_dsr_policy(resource)
    model = _model(resource.kind, resource.data)
    if model is None:
        return []
    try:
        model.model_validate(resource.data)
    except ValidationError as exc:
        return [_error(f"{resource.kind} `{resource.key or '?'}`: "
                       f"{'.'.join(str(p) for p in e['loc']) or 'resource'}: {e['msg']}",
                       resource.locate(*e["loc"])) for e in exc.errors()]
    return []


ACTION_TYPES = ("access", "erasure", "consent", "update")


def _validate_dsr_policy(resource: FidesResource) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    data = resource.data
    if not data.get("key") and not data.get("fides_key"):
        problems.append(_error("a privacy request policy needs a `key`", resource.locate()))
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        return [*problems, _error("`rules` must be a list", resource.locate("rules"))]
    for index, rule in enumerate(rules):
        where = ("rules", index)
        if not isinstance(rule, dict):
            problems.append(_error("each rule must be a mapping", resource.locate(*where)))
            continue
        action = rule.get("action_type")
        if action not in ACTION_TYPES:
            problems.append(_error(
                f"rule action_type `{action}` is not one of {', '.join(ACTION_TYPES)}",
                resource.locate(*where, "action_type")))
        masking = rule.get("masking_strategy")
        if action == "erasure" and not (isinstance(masking, dict) and masking.get("strategy")):
            problems.append(_error("an erasure rule needs `masking_strategy: {strategy: ...}`",
                                   resource.locate(*where)))
        targets = rule.get("targets") or []
        if not isinstance(targets, list):
            problems.append(_error("`targets` must be a list", resource.locate(*where, "targets")))
            continue
        for number, target in enumerate(targets):
            if not isinstance(target, dict) or not isinstance(target.get("data_category"), str):
                problems.append(_error("each target needs a `data_category`",
                                       resource.locate(*where, "targets", number)))
    return problems


def _error(message: str, location: Location, hint: str | None = None) -> Diagnostic:
    return Diagnostic(RULE, Severity.error, message, location, hint)


def read_fides(paths: Iterable[Path], *, root: Path | None = None) -> list[FidesDocument]:
    """Read every Fides file under ``paths``; raise ``ManifestError`` listing every error."""
    files = fides_files(paths)
    problems: list[Diagnostic] = []
    documents: list[FidesDocument] = []
    if not files:
        problems.append(Diagnostic(RULE, Severity.error, "no Fides YAML file was given",
                                   hint="name .yml files or folders holding them"))
    for path in files:
        shown = display_path(path, root)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(_error(f"cannot read the file: {exc}", Location(shown, 1, 1)))
            continue
        document, found = read_document(text, shown)
        problems.extend(found)
        if document is not None:
            documents.append(document)
    errors = [p for p in problems if p.severity is Severity.error]
    if errors:
        raise ManifestError(errors)
    return documents
