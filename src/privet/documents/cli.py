"""`privet docs …`: the human privacy documents rendered from the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from privet.documents.record_cli import record
from privet.documents.render import DEFAULT_OUT, overrides_folder, write_documents
from privet.documents.versions_cli import diff, list_versions, publish
from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.workspace import Workspace

docs_app = typer.Typer(help="Documents: privacy policy, cookie table, subprocessor list, "
                       "record of processing, versions.", no_args_is_help=True)


@docs_app.command("render")
@reports_errors
def render_command(
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder to write into, created if missing (default: "
        "<workspace>/public/privacy).", show_default=False)] = None,
    lang: Annotated[list[str] | None, typer.Option(
        "--lang", help="Language, en or fr (repeat for several); default: the manifest's "
        "`policy.languages`.", show_default=False)] = None,
    dir: WorkspaceDir = None,
) -> None:
    """Render the privacy policy (HTML and Markdown), the cookie policy and the subprocessor
    list from the manifest alone, in each language, and write them to files. Templates in
    <workspace>/privacy/templates/ replace Privet's of the same name."""
    workspace = Workspace.find(dir)
    manifest = workspace.load_manifest()
    target = out if out is not None else workspace.root / DEFAULT_OUT
    written = write_documents(
        manifest, target, languages=lang or None,
        overrides=overrides_folder(workspace.root),
        privacy_center_url=workspace.settings.base_url.rstrip("/") + "/privacy-center")
    for path in written:
        console.print(f"wrote {path}", markup=False, highlight=False)
    console.print(f"{len(written)} documents written to {target}", markup=False,
                  highlight=False)


docs_app.command("record")(record)

docs_app.command("publish")(publish)
docs_app.command("versions")(list_versions)
docs_app.command("diff")(diff)
