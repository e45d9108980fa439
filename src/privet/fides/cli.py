"""`privet import fides` and `privet export fides`: move between Fides resources and a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from privet.fides.exporter import build_fides_export, render_not_exported, write_export
from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.workspace import Workspace

import_app = typer.Typer(help="Import another tool's annotations into a Privet manifest.",
                         no_args_is_help=True)
export_app = typer.Typer(help="Export the manifest into another tool's format.",
                         no_args_is_help=True)


@export_app.command("fides")
@reports_errors
def export_fides(
    out: Annotated[Path, typer.Option(
        "--out", help="Folder the Fides YAML files are written to.")] = Path("fides"),
    dir: WorkspaceDir = None,
) -> None:
    """Write Fides datasets and systems (and organization, policies) from the manifest;
    say what Fides has no place for."""
    export = build_fides_export(Workspace.find(dir).load_manifest())
    for path in write_export(export, out):
        console.print(f"wrote {path}", highlight=False)
    console.print(render_not_exported(export.not_exported), end="", markup=False,
                  highlight=False)


def _urls(values: list[str] | None) -> dict[str, str]:
    """``DATASET=URL`` pairs; a bare URL is for the only dataset."""
    urls: dict[str, str] = {}
    for value in values or []:
        dataset, separator, url = value.partition("=")
        if separator and "://" not in dataset and ":" not in dataset:
            urls[dataset.strip()] = url.strip()
        else:
            urls[""] = value.strip()
    return urls


@import_app.command("fides")
@reports_errors
def import_fides(
    paths: Annotated[list[Path], typer.Argument(
        help="Fides YAML files, or folders holding them (datasets, systems, organization, "
             "policies).", show_default=False)],
    out: Annotated[Path, typer.Option(
        "--out", help="Workspace folder; the manifest goes into its privacy/ folder.")] =
    Path("."),
    datastore_url: Annotated[list[str] | None, typer.Option(
        "--datastore-url", help="DATASET=URL (repeatable), or a URL alone when there is one "
        "dataset; default: the placeholder ${<DATASTORE>_URL}, read when connecting.")] = None,
    country: Annotated[str | None, typer.Option(
        "--country", help="The organization's country (ISO code), when its controller "
        "address does not end with one.")] = None,
    location: Annotated[str | None, typer.Option(
        "--location", help="Country hosting the datastores (default: the organization's).")]
    = None,
    erasure_policy: Annotated[str | None, typer.Option(
        "--erasure-policy", help="Key of the privacy request policy whose erasure rules are "
        "imported, when the files hold several.")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Also write the report of what was not carried over here.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a manifest already in the privacy/ folder.")] = False,
) -> None:
    """Import Fides resources into a Privet manifest and report what does not carry over."""
    from privet.fides.importer import ImportOptions, import_fides, write_manifest
    from privet.fides.reader import read_fides

    documents = read_fides(paths, root=Path.cwd())
    options = ImportOptions(datastore_urls=_urls(datastore_url), country=country,
                            location=location, erasure_policy=erasure_policy)
    result = import_fides(documents, options)
    written = write_manifest(result, out / "privacy", force=force)
    for path in written:
        console.print(f"wrote {path}", highlight=False)
    text = result.report.render()
    console.print(text, end="", markup=False, highlight=False)
    if report is not None:
        report.write_text(text, encoding="utf-8")
        console.print(f"report written to {report}", highlight=False)
