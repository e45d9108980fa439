"""What every CLI command shares: the workspace option and how errors reach a person."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from privet.kit.errors import PrivetError
from privet.manifest.diagnostics import ManifestError

P = ParamSpec("P")
R = TypeVar("R")

# emoji=False: text from manifests and identities (`drop:skull:table`) is shown as typed.
console = Console(soft_wrap=True, emoji=False)
err_console = Console(stderr=True, soft_wrap=True, emoji=False)

WorkspaceDir = Annotated[
    Path | None,
    typer.Option("--dir", envvar="PRIVET_DIR", help="Workspace folder (default: current).",
                 show_default=False),
]


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into a message on stderr and exit status 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ManifestError as exc:
            for diagnostic in exc.diagnostics:
                err_console.print(diagnostic.render(), markup=False, highlight=False)
            count = len(exc.diagnostics)
            err_console.print(f"the manifest has {count} error{'s' if count != 1 else ''}",
                              style="bold red")
            raise typer.Exit(1) from None
        except PrivetError as exc:
            err_console.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(1) from None

    return wrapper
