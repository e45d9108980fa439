"""`privet docs record`: the Art. 30 record of processing, as HTML, CSV or XLSX."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from privet.documents.record import (
    Missing,
    Record,
    RecordError,
    RecordRole,
    build_record,
    missing_items,
    record_csv,
    record_html,
    write_record_xlsx,
)
from privet.kit.cli import WorkspaceDir, err_console, reports_errors
from privet.kit.workspace import Workspace


class RecordFormat(StrEnum):
    html = "html"
    csv = "csv"
    xlsx = "xlsx"


@reports_errors
def record(
    role: Annotated[RecordRole, typer.Option(
        "--role", help="controller (Art. 30(1)) or processor (Art. 30(2)).")] =
    RecordRole.controller,
    format: Annotated[RecordFormat, typer.Option(
        "--format", help="html, csv or xlsx.")] = RecordFormat.html,
    out: Annotated[Path | None, typer.Option(
        "--out", help="File to write (default: standard output; required for xlsx).",
        show_default=False)] = None,
    dir: WorkspaceDir = None,
) -> None:
    """Export the GDPR Art. 30 record of processing, built from the manifest alone; items
    the manifest does not declare are marked `not declared in the manifest: <path>`."""
    if format is RecordFormat.xlsx and out is None:
        raise RecordError("an XLSX workbook cannot be written to the terminal",
                          hint="add `--out record.xlsx`, or use `--format csv`")
    if out is not None and not out.parent.is_dir():
        raise RecordError(f"cannot write {out}: folder {out.parent} does not exist",
                          hint="create the folder first, or choose another --out")
    manifest = Workspace.find(dir).load_manifest()
    built = build_record(manifest, role)
    if format is RecordFormat.xlsx:
        assert out is not None
        write_record_xlsx([built], out)
    else:
        text = record_html(built) if format is RecordFormat.html else record_csv(built)
        if out is None:
            sys.stdout.write(text)
        else:
            try:
                out.write_text(text, encoding="utf-8", newline="")
            except OSError as exc:
                raise RecordError(f"cannot write {out}: {exc.strerror or exc}",
                                  hint="choose a file you can write to") from exc
    gaps = missing_items(built)
    if out is not None:
        err_console.print(f"wrote {out} ({role.value} record, "
                          f"{_count(built)} processing activities)", markup=False,
                          highlight=False)
    if gaps:
        err_console.print(f"{len(gaps)} mandatory item(s) not declared in the manifest: "
                          + ", ".join(g.path for g in gaps), markup=False, highlight=False,
                          style="yellow")


def _count(built: Record) -> int:
    return 0 if isinstance(built.activities, Missing) else len(built.activities)
