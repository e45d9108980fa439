"""Writing a set of generated files (documents, exports, manifests) into a folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from privet.kit.errors import PrivetError


def write_files(out: Path, files: Mapping[str, str], *,
                error: type[PrivetError]) -> list[Path]:
    """Write ``files`` (name -> text, UTF-8) into the folder ``out``, created if missing.
    A file where the folder should be, or a disk that refuses, raises ``error`` with the
    reason and a hint."""
    if out.exists() and not out.is_dir():
        raise error(f"{out} is a file, not a folder",
                    hint="give --out a folder (it is created if missing)")
    written: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            path = out / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise error(f"cannot write into {out}: {exc.strerror or exc}",
                    hint="choose a folder you can write to") from None
    return written
