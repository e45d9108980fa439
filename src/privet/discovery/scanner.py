"""The scan: every text column of every table of the datastores, read (a sample, or all of
it) in batches on read-only connections, and held against the detectors, vectorised.

For one batch of a column, one polars ``select`` runs every detector's cheap pass at once
(the regex engine's own pass, the floor): the extraction of the candidates where the
pattern is fast and needs no context, a screen otherwise (the pattern without its Unicode
word boundaries, and its context words); the exact pattern then runs on the screened rows
only. The validator (a checksum from stdnum, a phone number from phonenumbers…) runs once
per distinct candidate, never per row. A detector that needs context counts a cell only
when the column's name gives it (a `passport_no` column) or the cell itself does
(`passport` written near the number); so does a detector's loose form (an SSN as bare
digits). With the NLP extra, a model also reads free-text batches for person names.

Each column gets, per type found: the rows holding a valid value, their share of the rows
read, a confidence (the share of candidates that passed validation, raised when the column
name agrees), and two masked examples.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from privet.datastores.naming import guess_column, words
from privet.discovery.detectors import DETECTORS, Detector
from privet.discovery.nlp import MODEL, Recogniser
from privet.manifest.schema import ValueType
from privet.manifest.taxonomy import overlaps
from privet.requests.engine import ConnectedDatastores, datastore_error

DEFAULT_SAMPLE = 10_000
"""Rows read per table unless a full scan is asked for."""
BATCH_ROWS = 5_000
FREE_TEXT_LENGTH = 40
"""A column whose values average more characters than this is free text."""
Progress = Callable[[str, int, int], None]
"""Told (datastore.table, tables done, tables in all) after each table."""


@dataclass(frozen=True)
class TypeFound:
    """One kind of personal data found in one column."""

    detector: str
    value_type: str
    category: str
    rows: int
    """Rows (cells) holding at least one valid value."""
    share: float
    """``rows`` over the non-empty rows read."""
    confidence: float
    examples: tuple[str, ...]
    """At most two, masked."""
    special: bool = False


@dataclass
class ColumnScan:
    datastore: str
    table: str
    column: str
    rows: int = 0
    """Non-empty values read."""
    characters: int = 0
    free_text: bool = False
    found: list[TypeFound] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.datastore}.{self.table}.{self.column}"


@dataclass
class ScanResult:
    sample_rows: int | None
    seconds: float = 0.0
    columns: list[ColumnScan] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    model: str | None = None
    """The NLP extra's model, when it looked for person names in free text."""

    @property
    def values(self) -> int:
        return sum(c.rows for c in self.columns)

    @property
    def bytes(self) -> int:
        return sum(c.characters for c in self.columns)


def mask(value: str) -> str:
    """A value as an example may show it: its first and last two characters."""
    text = " ".join(value.split())
    if len(text) <= 6:
        return "•" * len(text)
    return f"{text[:2]}{'•' * (len(text) - 4)}{text[-2:]}"


# ---------------------------------------------------------------------------- one column


@dataclass
class _Tally:
    rows: int = 0
    candidates: int = 0
    valid: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Pass:
    """One pattern of a detector as a column runs it: its own, or its loose form."""

    detector: Detector
    pattern: str
    screen: str | None
    """A cheaper pattern to pick the rows ``pattern`` runs on; None to run it directly."""
    validate: Callable[[str], bool] | None
    context: str | None
    """A pattern the cell must also match (the detector's ``text_context``)."""
    context_screen: str | None
    form: str = "exact"
    """``exact``, ``loose`` (the detector's loose form) or ``model`` (names found by the
    NLP extra's model, not by a pattern)."""

    @property
    def direct(self) -> bool:
        """Extracted from every row at once: a fast pattern that needs no context."""
        return self.form != "model" and self.screen is None and self.context is None


class ColumnScanner:
    """The running tally of one column over its batches."""

    def __init__(self, scan: ColumnScan, detectors: Sequence[Detector],
                 names: Recogniser | None = None) -> None:
        self.scan = scan
        self.named = _named(scan.table, scan.column, detectors)
        self.detectors = detectors
        self.names = names
        self.tallies: dict[str, _Tally] = {d.key: _Tally() for d in detectors}
        self.validity: dict[tuple[str, str, str], bool] = {}
        """Per (detector, form, candidate): whether it is valid."""
        self.offset = 0

    def feed(self, values: pl.Series) -> None:
        values = values.drop_nulls().cast(pl.String)
        values = values.filter(values.str.len_chars() > 0)
        if values.is_empty():
            return
        self.scan.rows += len(values)
        self.scan.characters += int(values.str.len_bytes().sum())
        frame = pl.DataFrame({"row": pl.int_range(self.offset, self.offset + len(values),
                                                  eager=True), "value": values})
        self.offset += len(values)
        prose = int(values.str.len_chars().mean() or 0) > FREE_TEXT_LENGTH  # type: ignore[arg-type]
        passes = self._passes(prose)
        candidates = self._candidates(frame, passes)
        if candidates is not None:
            self._tally(candidates, passes)

    def _passes(self, prose: bool) -> list[_Pass]:
        """What runs on a batch: each detector's pattern, where it counts without context
        or the column's name gives it, or with the cell's context otherwise; the loose form
        likewise, which always needs context."""
        passes = []
        for d in self.detectors:
            named = d.key in self.named
            # Special-category terms mean something in prose, or in a column named for
            # them ("christian" in an email address is a first name, not a religion).
            if d.special and not prose and not named:
                continue
            context = None if named else d.text_context
            if not d.needs_context or named or context is not None:
                gated = d.needs_context and not named
                passes.append(_Pass(d, d.engine_pattern, d.prefilter, d.validate,
                                    context if gated else None,
                                    d.context_prefilter if gated else None))
            loose = d.engine_loose_pattern
            if loose is not None and (named or context is not None):
                passes.append(_Pass(d, loose, None, d.loose_validate or d.validate, context,
                                    d.context_prefilter if context is not None else None,
                                    form="loose"))
            # Names in prose without a word of context: the NLP extra's model, if asked for.
            if d.value_type is ValueType.person_name and prose and self.names is not None:
                passes.append(_Pass(d, "", None, d.validate, None, None, form="model"))
        return passes

    def _candidates(self, frame: pl.DataFrame,
                    passes: Sequence[_Pass]) -> pl.DataFrame | None:
        """Every (row, pass, value) the patterns find in the batch.

        One select runs every cheap pattern (polars runs them in parallel): the
        extraction itself where the pattern is fast and needs no context, a screen
        otherwise (the pattern without its Unicode word boundaries, and the context's);
        the exact pattern and context then run on the screened rows only.
        """
        value = pl.col("value").str
        columns = []
        for i, p in enumerate(passes):
            if p.direct:
                columns.append(value.extract_all(p.pattern).alias(str(i)))
                continue
            if p.form == "model":
                continue
            screen = value.contains(p.screen or p.pattern)
            if p.context is not None:
                screen = screen & value.contains(p.context_screen or p.context)
            columns.append(screen.alias(str(i)))
        first = frame.select("row", *columns)
        direct = [str(i) for i, p in enumerate(passes) if p.direct]
        parts = []
        if direct:
            parts.append(first.select("row", *direct)
                         .unpivot(index="row", variable_name="pass"))
        for i, p in enumerate(passes):
            if p.form == "model" and self.names is not None:
                parts.append(pl.DataFrame({
                    "row": frame["row"], "pass": str(i),
                    "value": self.names(frame["value"].to_list())},
                    schema={"row": pl.Int64, "pass": pl.String, "value": pl.List(pl.String)}))
                continue
            passed = first[str(i)]
            if p.direct or not passed.any():
                continue
            rows = frame.filter(passed)
            if p.screen is not None:
                rows = rows.filter(value.contains(p.pattern))
            if p.context is not None and p.context_screen != p.context:
                rows = rows.filter(value.contains(p.context))
            parts.append(rows.select("row", pl.lit(str(i)).alias("pass"),
                                     value.extract_all(p.pattern)))
        if not parts:
            return None
        found = pl.concat(parts).explode("value").drop_nulls()
        if found.is_empty():
            return None
        return found.with_columns(pl.col("pass").cast(pl.Int32))

    def _tally(self, candidates: pl.DataFrame, passes: Sequence[_Pass]) -> None:
        """Validates each distinct candidate once (per column), then counts per detector
        the candidates, the valid ones and the rows holding one (either form)."""
        known = self.validity
        pairs = candidates.select("pass", "value").unique()
        verdicts = []
        for i, value in pairs.iter_rows():
            p = passes[i]
            ok = known.get((p.detector.key, p.form, value))
            if ok is None:
                ok = p.validate is None or bool(p.validate(value))
                known[(p.detector.key, p.form, value)] = ok
            verdicts.append(ok)
        keys = pl.DataFrame({"pass": range(len(passes)),
                             "detector": [p.detector.key for p in passes]},
                            schema={"pass": pl.Int32, "detector": pl.String})
        counted = (candidates
                   .join(pairs.with_columns(ok=pl.Series(verdicts, dtype=pl.Boolean)),
                         on=["pass", "value"])
                   .join(keys, on="pass")
                   .group_by("detector")
                   .agg(pl.len().alias("candidates"), pl.col("ok").sum().alias("valid"),
                        pl.col("row").filter("ok").n_unique().alias("rows"),
                        pl.col("value").filter("ok").head(4).alias("examples")))
        for key, found, valid, rows, examples in counted.iter_rows():
            tally = self.tallies[key]
            tally.candidates += found
            tally.valid += valid
            tally.rows += rows  # a row is in one batch only
            for example in examples:
                if len(tally.examples) < 2 and mask(example) not in tally.examples:
                    tally.examples.append(mask(example))

    def finish(self) -> ColumnScan:
        scan = self.scan
        scan.free_text = scan.rows > 0 and scan.characters / scan.rows > FREE_TEXT_LENGTH
        for detector in self.detectors:
            tally = self.tallies[detector.key]
            if not tally.rows:
                continue
            share = tally.rows / scan.rows
            confidence = tally.valid / tally.candidates if tally.candidates else 0.0
            if detector.key in self.named:
                confidence = max(confidence, 0.9)
            scan.found.append(TypeFound(
                detector.key, detector.value_type.value, detector.category, tally.rows,
                round(share, 4), round(confidence, 3), tuple(tally.examples), detector.special))
        scan.found.sort(key=lambda t: (-t.rows, t.detector))
        return scan


def _named(table: str, column: str, detectors: Sequence[Detector]) -> set[str]:
    """Detectors the column's name gives context to: one of their context words is in it,
    and the naming rules do not say it is something else (`company_name` is not a person's
    name; for names, they must say it is one)."""
    names = set(words(column))
    guess = guess_column(table, column)
    said = guess.categories if guess is not None else ()
    named = set()
    for detector in detectors:
        if not names & set(detector.context):
            continue
        agrees = any(overlaps(detector.category, c) for c in said)
        if detector.value_type is ValueType.person_name and not agrees:
            continue
        if said and not agrees and detector.needs_context:
            continue
        named.add(detector.key)
    return named


def scan_values(values: Iterable[Any], *, datastore: str = "-", table: str = "-",
                column: str = "value", detectors: Sequence[Detector] = DETECTORS,
                names: Recogniser | None = None) -> ColumnScan:
    """One column's values, scanned (also what the benchmark and tests call directly)."""
    scanner = ColumnScanner(ColumnScan(datastore, table, column), detectors, names)
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= BATCH_ROWS:
            scanner.feed(pl.Series("value", batch, dtype=pl.String, strict=False))
            batch = []
    if batch:
        scanner.feed(pl.Series("value", batch, dtype=pl.String, strict=False))
    return scanner.finish()


# ---------------------------------------------------------------------------- datastores


def _text_columns(table: sa.Table) -> list[sa.Column[Any]]:
    result = []
    for column in table.columns:
        try:
            python_type = column.type.python_type
        except NotImplementedError:
            continue
        if python_type is str:
            result.append(column)
    return result


def _batches(connection: Connection, table: sa.Table, columns: list[sa.Column[Any]],
             sample: int | None) -> Iterator[dict[str, list[Any]]]:
    query = sa.select(*columns)
    keys = list(table.primary_key.columns)
    if keys:
        query = query.order_by(*keys)
    if sample is not None:
        query = query.limit(sample)
    result = connection.execution_options(stream_results=True, yield_per=BATCH_ROWS
                                          ).execute(query)
    for part in result.partitions(BATCH_ROWS):
        yield {c.name: [row[i] for row in part] for i, c in enumerate(columns)}


def scan_datastores(datastores: ConnectedDatastores, *, sample: int | None = DEFAULT_SAMPLE,
                    progress: Progress | None = None,
                    detectors: Sequence[Detector] = DETECTORS,
                    names: Recogniser | None = None) -> ScanResult:
    """Every text column of every table of the connected datastores (open them read-only:
    the scan only reads); person names in free text by the NLP extra's model too, given
    ``names``."""
    started = time.perf_counter()
    result = ScanResult(sample_rows=sample, failures=dict(datastores.failures),
                        model=None if names is None else MODEL)
    tables = sorted(datastores.graph.tables.items())
    for done, ((datastore, name), table) in enumerate(tables, start=1):
        columns = _text_columns(table)
        if columns and datastore not in result.failures:
            scanners = {c.name: ColumnScanner(ColumnScan(datastore, str(name), str(c.name)),
                                              detectors, names)
                        for c in columns}
            try:
                with datastores.engines[datastore].connect() as connection:
                    for batch in _batches(connection, table, columns, sample):
                        for column, values in batch.items():
                            scanners[column].feed(pl.Series("value", values, dtype=pl.String,
                                                            strict=False))
            except sa.exc.SQLAlchemyError as exc:
                result.failures[f"{datastore}.{name}"] = datastore_error(datastore, exc)
            result.columns.extend(s.finish() for s in scanners.values())
        if progress is not None:
            progress(f"{datastore}.{name}", done, len(tables))
    result.seconds = time.perf_counter() - started
    return result
