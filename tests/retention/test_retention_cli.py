"""`privet retention` in real processes: the plan and the dry run change nothing (the
database's checksum is the same), a run killed mid-batch (SIGKILL, on SQLite, PostgreSQL
and MariaDB) is resumed by the next `privet retention run` without doing or counting any
batch twice, and the reports read back."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Shop

PRIVET = [sys.executable, "-m", "privet.cli"]


def privet(shop: Shop, *args: str,
           failpoint: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PRIVET_")}
    if failpoint is not None:
        environment["PRIVET_FAILPOINTS"] = failpoint
    return subprocess.run([*PRIVET, *args, "--dir", str(shop.root)], env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def file_checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def report(shop: Shop, run: int) -> dict[str, Any]:
    shown = privet(shop, "retention", "show", str(run), "--format", "json")
    assert shown.returncode == 0, shown.stderr
    result: dict[str, Any] = json.loads(shown.stdout)
    return result


def test_plan_and_dry_run_change_nothing(sqlite_shop: Shop) -> None:
    database = Path(sqlite_shop.url.removeprefix("sqlite:///"))
    before, rows = file_checksum(database), sqlite_shop.dump()

    planned = privet(sqlite_shop, "retention", "plan", "--format", "json")
    dry = privet(sqlite_shop, "retention", "run", "--dry-run")

    assert planned.returncode == 0, planned.stderr
    assert dry.returncode == 0, dry.stderr
    assert file_checksum(database) == before, "the database file changed"
    assert sqlite_shop.dump() == rows
    plan = json.loads(planned.stdout)
    visits = next(s for s in plan["steps"] if s["rule"] == "visits")
    assert visits["due"] == 5 + sqlite_shop.bulk
    assert "nothing was changed" in dry.stdout
    assert "retention run" not in privet(sqlite_shop, "retention", "runs").stdout


@pytest.mark.parametrize("failpoint", ["retention.batch_committed", "retention.batch_pending"])
def test_a_run_killed_mid_batch_resumes_without_double_work(cli_shop: Shop,
                                                           failpoint: str) -> None:
    """Killed right after the datastore committed a batch (not yet recorded as done), or
    right before (recorded as pending): either way the next run resumes after the last
    batch that really committed and counts each batch once."""
    shop = cli_shop
    expired = 5 + shop.bulk
    killed = privet(shop, "retention", "run", "--rule", "visits", "--batch-size", "1000",
                    failpoint=failpoint)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    gone = expired + 20 - len(shop.ids("visits"))  # 20 recent visits are not due
    if failpoint == "retention.batch_committed":
        assert 0 < gone <= 1000, "the first batch did not commit, or was larger than asked"
    else:
        assert gone == 0, "a batch killed before its commit changed the database"
    interrupted = report(shop, 1)
    assert interrupted["state"] == "running"
    assert interrupted["steps"][0]["rows"] == 0

    resumed = privet(shop, "retention", "run", "--format", "json")
    assert resumed.returncode == 0, resumed.stderr
    finished = json.loads(resumed.stdout)
    assert finished["run"] == 1 and finished["state"] == "completed"
    assert finished["resumed"] == 1
    [step] = finished["steps"]
    assert step["rows"] == expired, "a batch was lost from, or counted twice in, the report"
    assert step["batches"] == 3
    assert shop.ids("visits") == set(range(10_000, 10_020))


def test_show_refuses_an_unknown_run(sqlite_shop: Shop) -> None:
    shown = privet(sqlite_shop, "retention", "show", "7")
    assert shown.returncode == 1
    assert "no retention run #7" in shown.stderr


def test_run_prints_the_report_and_lists_it(sqlite_shop: Shop) -> None:
    done = privet(sqlite_shop, "retention", "run")
    assert done.returncode == 0, done.stderr
    # Visits, applicants 1 and 2, tenants 1 and 2, invoice 3; messages, invoices 1 and 2.
    assert f"{5 + sqlite_shop.bulk + 5:,} rows deleted, 5 anonymised" in done.stdout
    listed = privet(sqlite_shop, "retention", "runs").stdout
    assert "#1" in listed and "completed" in listed
