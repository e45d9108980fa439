"""Benchmark: build the demo company's database, held against the raw insert floor.

Builds ``--subjects`` people (default 1,000,000) into a temporary directory and prints the
time beside the target (under 2 minutes for a million, about a minute aimed at), then
the floor measured in the same run: the same number of rows per table, as constant
tuples (one real row of each table, repeated), inserted with ``executemany`` into the
same schema with the same pragmas in one transaction. The ratio says how much the
generation (and index creation) costs above writing the rows at all.

    .venv/bin/python bench/demo_build.py --subjects 1000000
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from privet.demo.database import SCHEMA, TABLES, DemoDatabaseSummary, build_demo_database

TARGET_SECONDS_PER_MILLION = 120.0
AIM_SECONDS_PER_MILLION = 60.0
FIXED_SECONDS = 1.0
"""Setup whatever the size (Faker pools, schema): the targets are held per million above it."""
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def build(path: Path, subjects: int, seed: int) -> tuple[DemoDatabaseSummary, dict[str, float]]:
    stage_seconds: dict[str, float] = {}
    last = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal last
        now = time.perf_counter()
        stage_seconds[stage] = stage_seconds.get(stage, 0.0) + now - last
        last = now

    summary = build_demo_database(path, subjects=subjects, seed=seed, now=NOW, progress=progress)
    return summary, stage_seconds


def floor(built: Path, path: Path, row_counts: dict[str, int]) -> float:
    """Seconds to insert the same rows as constant tuples, with the build's pragmas."""
    with sqlite3.connect(built) as source:
        samples = {
            table: (None, *source.execute(f"SELECT * FROM {table} LIMIT 1").fetchone()[1:])
            for table in TABLES
        }
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-262144")
    connection.execute("PRAGMA temp_store=MEMORY")
    connection.executescript(SCHEMA)
    connection.execute("BEGIN")
    for table in TABLES:
        row = samples[table]
        marks = ", ".join("?" * len(row))
        connection.executemany(
            f"INSERT INTO {table} VALUES ({marks})", itertools.repeat(row, row_counts[table])
        )
    connection.execute("COMMIT")
    connection.close()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    subjects: int = args.subjects
    millions = subjects / 1_000_000
    target = max(TARGET_SECONDS_PER_MILLION * millions, 2 * FIXED_SECONDS)
    aim = max(AIM_SECONDS_PER_MILLION * millions, FIXED_SECONDS)

    with tempfile.TemporaryDirectory(prefix="privet-demo-bench-") as tmp:
        summary, stages = build(Path(tmp) / "demo.db", subjects, args.seed)
        size = summary.path.stat().st_size
        floor_seconds = floor(summary.path, Path(tmp) / "floor.db", summary.row_counts)

    rows = summary.total_rows
    ok = summary.seconds <= target
    print(f"demo database: {subjects:,} subjects, {rows:,} rows in {len(TABLES)} tables, "
          f"{size / 1e9:.2f} GB")
    print(f"  build  {summary.seconds:7.1f} s  {rows / summary.seconds:>10,.0f} rows/s   "
          f"target < {target:.3g} s (aim ~{aim:.3g} s): {'OK' if ok else 'TOO SLOW'}")
    print(f"  floor  {floor_seconds:7.1f} s  {rows / floor_seconds:>10,.0f} rows/s   "
          "executemany of constant rows, same tables and pragmas, no indexes")
    print(f"  ratio  {summary.seconds / floor_seconds:7.2f} x floor")
    print("  stages " + ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in stages.items()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
