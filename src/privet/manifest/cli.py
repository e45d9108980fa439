"""`privet check` and `privet manifest …`: lint the manifest, print its JSON Schema."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.workspace import Workspace
from privet.manifest.diagnostics import Diagnostic, Severity, sort_diagnostics
from privet.manifest.lint import RULES, lint
from privet.manifest.schema import Manifest

manifest_app = typer.Typer(help="The manifest: its JSON Schema and reference.",
                           no_args_is_help=True)


class OutputFormat(StrEnum):
    human = "human"
    json = "json"


@manifest_app.command("schema")
def schema() -> None:
    """Print the manifest's JSON Schema (point your editor's YAML plugin at it)."""
    document = Manifest.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "Privet manifest"
    print(json.dumps(document, indent=2))


@manifest_app.command("reference")
def reference(
    update: Annotated[Path | None, typer.Option(
        "--update", help="Rewrite the generated part of this Markdown file instead.")] = None,
) -> None:
    """Print the manifest reference (Markdown), generated from the models."""
    from privet.manifest.reference import embed_reference, render_reference

    if update is None:
        print(render_reference(), end="")
    else:
        update.write_text(embed_reference(update.read_text(encoding="utf-8")), encoding="utf-8")


@reports_errors
def check(
    dir: WorkspaceDir = None,
    connect: Annotated[bool, typer.Option(
        "--connect", help="Also open every datastore and hold the manifest against it.")] = False,
    output: Annotated[OutputFormat, typer.Option("--format", help="human or json.")] =
    OutputFormat.human,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", help="Skip a rule by id (repeatable).")] = None,
    rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
) -> None:
    """Load and lint the manifest; exit 1 when there is an error."""
    if rules:
        for registered in RULES.values():
            console.print(f"{registered.id:34} {registered.severity.value:8} {registered.summary}",
                          highlight=False)
        return
    workspace = Workspace.find(dir)
    manifest = workspace.load_manifest()
    diagnostics = lint(manifest, ignore=ignore or ())
    if connect:
        from privet.datastores.live_checks import live_diagnostics

        live = live_diagnostics(manifest, workspace.root,
                                timeout=workspace.settings.connect_timeout)
        diagnostics = sort_diagnostics([*diagnostics, *live])
    _report(diagnostics, output)
    if any(d.severity is Severity.error for d in diagnostics):
        raise typer.Exit(1)


def _report(diagnostics: list[Diagnostic], output: OutputFormat) -> None:
    counts = {s: sum(d.severity is s for d in diagnostics) for s in Severity}
    if output is OutputFormat.json:
        print(json.dumps({
            "ok": counts[Severity.error] == 0,
            "counts": {s.value: n for s, n in counts.items()},
            "diagnostics": [d.as_json() for d in diagnostics],
        }, indent=2))
        return
    styles = {Severity.error: "red", Severity.warning: "yellow", Severity.info: "blue"}
    for diagnostic in diagnostics:
        console.print(diagnostic.render(), style=styles[diagnostic.severity], markup=False,
                      highlight=False)
    summary = (f"{counts[Severity.error]} error(s), {counts[Severity.warning]} warning(s), "
               f"{counts[Severity.info]} note(s)")
    console.print(("✗ " if counts[Severity.error] else "✓ ") + summary,
                  style="bold red" if counts[Severity.error] else "bold green")
