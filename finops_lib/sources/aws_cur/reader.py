"""DuckDB SQL that reads one downloaded CUR / FOCUS file into the canonical ``raw_aws`` shape."""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import queue
import re
import threading
import weakref
import zipfile
import zlib
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from finops_lib.errors import FinopsError, InputError
from finops_lib.sources.aws_cur.helpers import classify_column
from finops_lib.sources.aws_cur.settings import (
    CANONICAL_COLUMNS,
    FOCUS_REQUIRED_COLUMNS,
    MAP_COLUMNS,
    REQUIRED_COLUMNS,
)
from finops_lib.sql import quote_ident


def unpack(path: Path) -> Path:
    """A ``.zip`` CUR file is extracted next to itself (streamed); other files are returned as is."""
    if path.suffix.lower() != ".zip":
        return path
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise InputError(f"{path.name} holds {len(members)} files, expected one CSV")
            target = path.with_suffix(".csv")
            with zf.open(members[0]) as src, target.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    except zipfile.BadZipFile:
        raise InputError(
            f"{path.name} is not a valid zip file", hint="re-deliver the report"
        ) from None
    return target


def is_parquet(path: Path) -> bool:
    """Whether ``path`` is a parquet file (by name, as AWS names them)."""
    return ".parquet" in path.name.lower()


def _bound(name: str) -> str:
    return "$" + name


def relation(
    path: Path,
    types: dict[str, str] | None = None,
    *,
    numbered: bool = False,
    ref: Callable[[str], str] = _bound,
) -> str:
    """The DuckDB table function reading ``path`` (CSV imports stream through :func:`arrow_source`).

    Parquet is read as typed by its writer (``numbered``: with its ``file_row_number``). CSV is read
    with the dialect fixed (comma, ``"`` quoting: a corrupt or truncated file is then an error instead
    of a silent one-column fallback of the sniffer) and, when ``types`` is given, with exactly those
    columns and types (:func:`cur_plan` reads every column as text and casts it itself); without
    ``types`` every column is VARCHAR (what :func:`describe` uses to read the header).

    The path and the column types are never written into the SQL: they are the parameters
    :func:`relation_params` gives, referred to as ``$finops_path`` / ``$finops_columns`` (``ref``
    names them otherwise, e.g. ``getvariable(...)`` in a view, which cannot take parameters).
    """
    path_ref = ref("finops_path")
    if is_parquet(path):
        extra = ", file_row_number=true" if numbered else ""
        return f"read_parquet({path_ref}, hive_partitioning=false{extra})"
    dialect = "header=true, delim=',', quote='\"', escape='\"'"
    if types is None:
        return f"read_csv({path_ref}, {dialect}, all_varchar=true)"
    return f"read_csv({path_ref}, {dialect}, auto_detect=false, columns={ref('finops_columns')})"


def relation_params(path: Path, types: dict[str, str] | None = None) -> dict[str, object]:
    """The values :func:`relation`'s SQL refers to (bind them, or set them as variables)."""
    params: dict[str, object] = {"finops_path": str(path)}
    if types is not None and not is_parquet(path):
        params["finops_columns"] = dict(types)
    return params


#: The name a CSV file's Arrow stream is registered under for its insert (:func:`arrow_source`).
ARROW_VIEW = "finops_csv_source"
#: The row number column :func:`arrow_source` adds.
ARROW_ROW = "__finops_row"
#: The column a stream read ahead adds with each row's file key (``x_source_file``).
ARROW_FILE = "__finops_file"


def row_number_sql(path: Path) -> str:
    """The ``x_source_row`` expression of a numbered plan (1-based row within the file)."""
    if is_parquet(path):
        return "CAST(file_row_number + 1 AS BIGINT)"
    return quote_ident(ARROW_ROW)


class CsvStream:
    """A CSV (or CSV.gz) file as one Arrow C stream of string batches, each row with its number.

    Arrow's CSV reader parses blocks on several threads and hands them over in file order, so the
    row number (``x_source_row``) is a counter per batch: no window over the file, no second pass,
    and the file is never whole in memory. Amounts and dates are cast by DuckDB in the insert
    (Arrow's decimal parser refuses more than ten decimals; DuckDB rounds, as the warehouse always
    has). Column names are those :func:`describe` gave, so duplicates are told apart the same way.

    Register :attr:`capsule` (``con.register(ARROW_VIEW, stream.capsule)``), not the object:
    DuckDB takes a bare ``ArrowArrayStream`` capsule over, reads it itself and releases it when
    the statement ends, failed or not, which closes the file. A ``pyarrow.RecordBatchReader``, or
    any object with ``__arrow_c_stream__``, it wraps in a ``pyarrow.dataset`` Scanner instead, whose
    read-ahead threads keep the batches' Python generator alive after a failed statement; at
    interpreter exit one of them takes the GIL and the process aborts (``Fatal Python error:
    PyGILState_Release``, exit code 134) or hangs.

    ``packs``: columns packed into JSON object text as the file is read (:class:`Pack`), added to
    each batch after the file's own. ``read_ahead``: parsed ahead on a thread of its own (see
    :func:`_numbered_batches`).

    The file is opened on the first batch, so an unreadable file fails the statement (and
    :func:`bad_file` names it), not this constructor. :meth:`close` releases what is left, whatever
    happened: a stream never read, read in part (it stops at its next batch) or whole.
    """

    def __init__(
        self,
        files: list[tuple[str, Path]],
        columns: list[tuple[str, str]],
        packs: list[Pack] | None = None,
        read_ahead: bool = False,
    ) -> None:
        import pyarrow as pa

        if not files or (len(files) > 1 and not read_ahead):
            raise ValueError("a stream reads one file, or several read ahead")
        self.path = files[0][1]
        names = [n for n, _ in columns]
        packs = packs or []
        self.schema = pa.schema(
            [pa.field(n, pa.string()) for n in names]
            + [pa.field(pack.column, pa.string()) for pack in packs]
            + [pa.field(ARROW_ROW, pa.int64())]
            + ([pa.field(ARROW_FILE, pa.string())] if read_ahead else [])
        )
        self._stop = threading.Event()
        #: rows handed over per file key, and the key of a file whose reading failed
        self.progress = Progress()
        batches = _numbered_batches(
            files, names, packs, self.schema, self._stop, read_ahead, self.progress
        )
        self._batches = weakref.ref(batches)  # owned by the stream only, so its release ends it
        self._reader: Any = pa.RecordBatchReader.from_batches(self.schema, batches)
        self._capsule: Any = None

    @property
    def capsule(self) -> Any:
        """The ``ArrowArrayStream`` PyCapsule to register with DuckDB (one per stream; DuckDB
        takes the stream over from it on the first read).

        Raises:
            ValueError: the stream is closed.
        """
        if self._capsule is None:
            if self._reader is None:
                raise ValueError(f"the Arrow stream of {self.path.name} is closed")
            self._capsule = self._reader.__arrow_c_stream__()
            self._reader = None  # the capsule holds the only reference
        return self._capsule

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule protocol, for other readers (for DuckDB: :attr:`capsule`).

        Raises:
            ValueError: the stream is closed or its :attr:`capsule` was taken.
        """
        if self._reader is None:
            raise ValueError(f"the Arrow stream of {self.path.name} is closed or taken")
        return self._reader.__arrow_c_stream__(requested_schema)

    def close(self) -> None:
        """Release the stream, the CSV reader and the file; idempotent. Call it once the statement
        has run (or failed), before or after ``con.unregister``."""
        self._stop.set()
        self._capsule = self._reader = None  # a stream nobody took over is released here
        batches = self._batches()
        if batches is not None:  # still held (by a Scanner, or by a view still registered)
            try:
                batches.close()  # closes the CSV reader and the file
            except ValueError:  # running in another thread: it stops at its next batch
                pass

    def __enter__(self) -> CsvStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Progress:
    """What a :class:`CsvStream` handed over: rows per file key, and the key of the file whose
    reading failed (None while none did). Written by the stream's threads only."""

    rows: dict[str, int] = field(default_factory=dict)
    failed: str | None = None


def _numbered_batches(
    files: list[tuple[str, Path]],
    names: list[str],
    packs: list[Pack],
    schema: Any,
    stop: threading.Event,
    read_ahead: bool,
    progress: Progress,
) -> Generator[Any, None, None]:
    """The batches of :class:`CsvStream` (a function, not a method: nothing refers back to the
    stream object, so the generator ends as soon as whoever reads it releases it).

    ``read_ahead``: the files are parsed, one after the other, by a thread of their own
    (:func:`_read_ahead`), and the packs built by another (:func:`_pack_ahead`), each at most
    :data:`READ_AHEAD` batches ahead, so that DuckDB does not wait for the next batch to be
    decompressed, parsed and packed (Arrow releases the GIL); each batch carries its file's key
    (:data:`ARROW_FILE`). The threads are stopped and joined when the generator ends, however it
    ends. Otherwise the one file's batches are parsed when DuckDB asks for them, by Arrow's threads.
    """
    if not read_ahead:
        key, path = files[0]
        start = 1
        with contextlib.closing(_csv_reader(path, names, 1 << 20, True)) as each:
            for batch in each:
                if stop.is_set():
                    return
                numbered = _numbered(batch, start, packs, schema)
                start += batch.num_rows
                progress.rows[key] = start - 1
                yield numbered
        return
    batches: queue.Queue[Any] = queue.Queue(maxsize=READ_AHEAD)
    stages = [
        threading.Thread(
            target=_read_ahead,
            args=(files, names, stop, batches, progress),
            name=f"{THREAD_PREFIX}parse",
            daemon=True,
        )
    ]
    if packs:  # the packs built on a thread of their own, as the next batch is parsed
        parsed, batches = batches, queue.Queue(maxsize=READ_AHEAD)
        stages.append(
            threading.Thread(
                target=_pack_ahead,
                args=(packs, schema, stop, parsed, batches, progress),
                name=f"{THREAD_PREFIX}pack",
                daemon=True,
            )
        )
    for stage in stages:
        stage.start()
    try:
        while True:
            item = batches.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            key, batch = item
            start = progress.rows.get(key, 0)
            if not packs:
                batch = _numbered(batch, start + 1, [], schema, key)
            progress.rows[key] = start + batch.num_rows
            yield batch
    finally:
        stop.set()
        for stage in stages:
            stage.join()


#: How many Arrow batches :func:`_read_ahead` parses ahead, and the CSV text in each (bytes).
READ_AHEAD = 4
#: The name of every thread a CSV stream starts begins with it.
THREAD_PREFIX = "finops-csv-"
BLOCK_SIZE = 4 << 20
_END = object()


def _put(out: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put ``item`` on ``out``, waiting while it is full; False once ``stop`` is set."""
    while not stop.is_set():
        try:
            out.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


def _read_ahead(
    files: list[tuple[str, Path]],
    names: list[str],
    stop: threading.Event,
    out: queue.Queue[Any],
    progress: Progress,
) -> None:
    """Parse the files, in order, into ``(key, string batch)`` items on ``out``, then
    :data:`_END`, or the exception that stopped it (its file's key in ``progress.failed``);
    returns as soon as ``stop`` is set."""
    for key, path in files:
        try:
            with contextlib.closing(_csv_reader(path, names, BLOCK_SIZE, False)) as batches:
                for batch in batches:
                    if not _put(out, (key, batch), stop):
                        return
        except BaseException as exc:  # handed to the reading side, which raises it
            progress.failed = key
            _put(out, exc, stop)
            return
    _put(out, _END, stop)


def _pack_ahead(
    packs: list[Pack],
    schema: Any,
    stop: threading.Event,
    parsed: queue.Queue[Any],
    out: queue.Queue[Any],
    progress: Progress,
) -> None:
    """Number the batches of ``parsed`` within their file and add their ``packs`` and file key,
    in order, onto ``out``."""
    key, start = None, 1
    try:
        while not stop.is_set():
            try:
                item = parsed.get(timeout=0.05)
            except queue.Empty:
                continue
            if item is _END or isinstance(item, BaseException):
                _put(out, item, stop)
                return
            if item[0] != key:
                key, start = item[0], 1
            batch = _numbered(item[1], start, packs, schema, key)
            start += batch.num_rows
            if not _put(out, (key, batch), stop):
                return
    except BaseException as exc:
        progress.failed = key
        _put(out, exc, stop)


def _numbered(
    batch: Any, start: int, packs: list[Pack], schema: Any, key: str | None = None
) -> Any:
    """``batch`` with its ``packs`` after the file's columns, its row numbers from ``start`` and,
    with a ``key``, the file's key on every row."""
    import numpy as np
    import pyarrow as pa

    n = batch.num_rows
    columns = [*batch.columns, *[pack.arrow(batch) for pack in packs]]
    columns.append(pa.array(np.arange(start, start + n, dtype=np.int64)))
    if key is not None:
        columns.append(pa.repeat(pa.scalar(key, pa.string()), n))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _csv_reader(
    path: Path, names: list[str], block: int, threads: bool
) -> Generator[Any, None, None]:
    """The file's rows as Arrow string batches of ``block`` bytes of text."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    with contextlib.ExitStack() as opened:
        source = opened.enter_context(pa.input_stream(str(path), compression="detect"))
        reader = pcsv.open_csv(
            source,
            read_options=pcsv.ReadOptions(
                column_names=names, skip_rows=1, block_size=block, use_threads=threads
            ),
            parse_options=pcsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                # only the empty field is NULL here (Arrow's default list also has "null",
                # "NA", "N/A", "nan"...: text in a VARCHAR column); the typed casts add
                # NULL_SPELLINGS
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        opened.callback(reader.close)
        yield from reader


def arrow_source(
    path: Path,
    columns: list[tuple[str, str]],
    packs: list[Pack] | None = None,
    read_ahead: bool = False,
    key: str | None = None,
) -> CsvStream:
    """A CSV (or CSV.gz) file as a :class:`CsvStream`; register its ``capsule`` as
    :data:`ARROW_VIEW` for the insert, then ``con.unregister`` and ``close()`` it. ``key``: the
    file's ``x_source_file`` when read ahead (default: its name)."""
    return CsvStream([(key or path.name, path)], columns, packs, read_ahead)


@dataclass(frozen=True)
class Pack:
    """CUR v1 ``<category>/<key>`` columns packed into one JSON object text by the Arrow stream
    (:meth:`arrow`), as :func:`_json_pack` does in SQL, to the byte: ``{"key":"value",...}`` in
    column order, without NULL or '' values; NULL when no value is set (``keep_empty``: ``'{}'``).

    Used for every CSV the import reads (:attr:`Plan.ahead`): built on a thread of the stream's
    own, the pack costs DuckDB's threads nothing (on 2M koku-nise rows the 111 ``product/*``
    columns packed in SQL were a quarter of the load; bench/RESULTS.md, sessions 13 and 14).
    """

    target: str  # the raw column it fills
    items: tuple[tuple[str, str], ...]  # (key, the file's column name)
    keep_empty: bool = False

    @property
    def column(self) -> str:
        """The stream's column holding the pack."""
        return f"__finops_pack_{self.target}"

    def arrow(self, batch: Any) -> Any:
        """The pack of one Arrow batch of strings (only '' is NULL in them).

        Vectorised over the set values only (CUR v1 product columns are mostly empty): each
        column's set values become ``"key":"value"`` pieces with their row numbers, the pieces
        are put in row order (a stable sort keeps the column order within a row) and joined per
        row as a list. Three times cheaper than joining the columns element-wise.
        """
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        n = batch.num_rows
        pieces, rows = [], []
        for key, name in self.items:
            values = batch[name]
            if values.null_count == n:
                continue
            at = None
            if values.null_count:
                at = pc.indices_nonzero(pc.is_valid(values)).to_numpy().astype(np.int64)
                values = values.take(pa.array(at))
            pieces.append(_json_strings(values, json.dumps(key) + ":"))
            rows.append(np.arange(n, dtype=np.int64) if at is None else at)
        if not pieces:
            text = pa.array(["{}"] * n, pa.string())
        else:
            row = np.concatenate(rows)
            offsets = np.zeros(n + 1, dtype=np.int32)
            np.cumsum(np.bincount(row, minlength=n), out=offsets[1:])
            order = pa.array(np.argsort(row, kind="stable"))
            joined = pa.ListArray.from_arrays(
                pa.array(offsets), pa.concat_arrays(pieces).take(order)
            )
            text = pc.binary_join_element_wise("{", pc.binary_join(joined, ","), "}", "")
        if self.keep_empty:
            return text
        return pc.if_else(pc.equal(text, "{}"), pa.scalar(None, pa.string()), text)


def _json_strings(values: Any, prefix: str) -> Any:
    """Non-NULL strings as ``prefix`` and a JSON string literal, as DuckDB's ``to_json`` writes
    it.

    Most values need no escape and are quoted by Arrow in one pass. Whether any does is read off
    the array's bytes (a quote, a backslash or a control character: every byte of a multi-byte
    UTF-8 character is 0x80 or more); then the array is escaped value by value in Python.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    _, offsets_buffer, data = values.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)
    first, last = offsets[values.offset], offsets[values.offset + len(values)]
    text = np.frombuffer(data if data is not None else b"", dtype=np.uint8)[first:last]
    if not ((text < 0x20) | (text == 0x22) | (text == 0x5C)).any():
        return pc.binary_join_element_wise(prefix + '"', values, '"', "")
    return pa.array([prefix + json_string(v) for v in values.to_pylist()], pa.string())


_UNICODE_ESCAPE = re.compile(r"\\(\\|u00[0-9a-f]{2})")


def json_string(text: str) -> str:
    """``text`` as DuckDB's ``to_json`` writes a string (``\\u001F``: upper-case hex)."""
    return _UNICODE_ESCAPE.sub(
        lambda m: "\\" + (m[1] if m[1] == "\\" else "u00" + m[1][3:].upper()),
        json.dumps(text, ensure_ascii=False),
    )


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (for the file paths and column names of table functions,
    which DuckDB does not accept as bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def describe(con: duckdb.DuckDBPyConnection, path: Path, label: str) -> list[tuple[str, str]]:
    """``(name, type)`` of the file's columns; a corrupt or unreadable file -> InputError."""
    try:
        rows = con.execute(
            f"DESCRIBE SELECT * FROM {relation(path)}",  # noqa: S608 - the path is bound
            relation_params(path),
        ).fetchall()
    except duckdb.Error as exc:
        raise bad_file(label, exc) from None
    return [(r[0], r[1]) for r in rows]


def columns(con: duckdb.DuckDBPyConnection, path: Path, label: str) -> list[tuple[str, str]]:
    """:func:`describe` for the import: a CSV's (or CSV.gz's) columns come from its header line,
    read here (:func:`csv_header`); other files are described by DuckDB.

    DuckDB's sniffer decompresses and reads a sample of every file to name its columns, one file
    after the other: 0.13 s a file, 3 s of a 2M-row delivery in 100k-row files. Reading the header
    takes a millisecond; what is wrong further on (truncated, not UTF-8, a broken row) fails the
    file's insert instead, which names the file as well.
    """
    name = path.name.lower()
    if name.endswith(".csv") or name.endswith(".csv.gz"):
        return [(n, "VARCHAR") for n in csv_header(path, label)]
    return describe(con, path, label)


def csv_header(path: Path, label: str) -> list[str]:
    """The column names of a CSV (``.gz``: gzip) file's header line, told apart as DuckDB's
    sniffer does: an empty name is ``column<i>``; a name met before (whatever its case) gets
    ``_1``, ``_2``... A leading byte order mark is dropped.

    Raises:
        InputError: the file does not read, is not UTF-8, or is empty; the message names it.
    """
    try:
        with contextlib.ExitStack() as opened:
            text = opened.enter_context(
                gzip.open(path, "rt", encoding="utf-8-sig", newline="")
                if path.name.lower().endswith(".gz")
                else path.open(encoding="utf-8-sig", newline="")
            )
            header = next(csv.reader(text, delimiter=",", quotechar='"', doublequote=True), None)
    except UnicodeDecodeError:
        raise InputError(
            f"cannot read {label}: the file is not utf-8 encoded",
            hint="AWS writes CUR files in UTF-8: re-encode the file (or have it re-delivered)",
        ) from None
    except (OSError, EOFError, zlib.error, csv.Error) as exc:
        raise bad_file(label, exc) from None
    if not header:
        raise InputError(
            f"cannot read {label}: the file is empty (no header line)",
            hint="the file is corrupt or truncated; wait for AWS to re-deliver it (or remove it) "
            "and re-run",
        )
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        name = name or f"column{i}"
        count = seen.get(name.lower(), 0)
        seen[name.lower()] = count + 1
        names.append(f"{name}_{count}" if count else name)
    return names


def bad_file(label: str, exc: Exception) -> InputError:
    """The one-line error for a file that does not read (``exc`` from DuckDB, Arrow or the OS).

    Keeps what went wrong in one line: without the Python traceback DuckDB appends when the Arrow
    stream failed (``... Detail: Python exception: Traceback ...``) nor its ``arrow_scan`` prefix
    (``cannot read <label>: IOError: Truncated compressed stream``), and with the reason DuckDB's
    CSV reader gives on a later line (not UTF-8, no CSV dialect found) instead of the file's path.
    """
    reason = _reason(exc)
    if "invalid utf8" in reason.lower():  # Arrow's CSV reader
        reason = f"the file is not utf-8 encoded ({reason})"
    hint = (
        "the file is corrupt or truncated; wait for AWS to re-deliver it (or remove it) and re-run"
    )
    if "Conversion Error" in reason:
        hint = "a value does not fit the column's type; check the file's format and --cur-version"
    elif "not utf-8" in reason.lower():
        hint = "AWS writes CUR files in UTF-8: re-encode the file (or have it re-delivered)"
    return InputError(f"cannot read {label}: {reason}", hint=hint)


_TRACEBACK = re.compile(
    r"(?:\s*Detail:)?\s*Python exception:\s*Traceback \(most recent call last\):"
)
_ARROW_SCAN = re.compile(r"^(?:Invalid Input Error: )?arrow_scan: get_next failed\(\):\s*")
_SNIFFING = re.compile(r"^(.*?: )?Error when sniffing file ")
_CSV_LINE = re.compile(r"CSV Error on Line: \d+$")
_REPEATED = re.compile(r"\b(\w+: )\1+")  # Arrow's "IOError: IOError: ..."


def _reason(exc: Exception) -> str:
    """The first line of ``exc`` worth showing (at most 200 characters)."""
    text = str(exc).strip()
    match = _TRACEBACK.search(text)
    if match:
        inner = [line.strip() for line in text[match.end() :].splitlines() if line.strip()]
        text = text[: match.start()].strip().rstrip(".")
        if not _ARROW_SCAN.sub("", text) and inner:
            text = inner[-1]  # the traceback's last line: "OSError: ..."
    lines = [line.strip() for line in _ARROW_SCAN.sub("", text).splitlines()]
    first, rest = (lines[0], [line for line in lines[1:] if line]) if lines else ("", [])
    sniffing = _SNIFFING.match(first)
    if sniffing and rest:  # the path is the label's; the next line says what failed
        first = (sniffing[1] or "") + rest[0]
    elif _CSV_LINE.search(first):
        why = [line for line in rest if not line.startswith("Original Line:")]
        first = f"{first}: {why[0]}" if why else first
    return _REPEATED.sub(r"\1", first)[:200] or type(exc).__name__


_WIDE_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")

#: Text read as NULL in a typed (DECIMAL, TIMESTAMPTZ) column: third-party CUR writers (koku-nise)
#: put ``None`` in empty amounts. A VARCHAR column keeps such text as it is.
NULL_SPELLINGS: tuple[str, ...] = ("", "None", "null", "NULL")


def _cast(expr: str, src_type: str, dst_type: str) -> str:
    if src_type == "VARCHAR" and dst_type != "VARCHAR":
        return _text_cast(expr, dst_type)
    if src_type == "VARCHAR":
        expr = f"NULLIF({expr}, '')"
    if src_type == dst_type:
        return expr
    return f"CAST({expr} AS {dst_type})"


def _text_cast(expr: str, dst_type: str) -> str:
    """Text to a type, with the :data:`NULL_SPELLINGS` as NULL; other text that does not parse is
    an error (it fails the file's load).

    The hot path of a CSV load. Each value is first tried with one ``TRY_CAST``, which is all a
    valid value costs; only the rest (NULL, a null spelling, an error) reaches the checked ``CAST``,
    and NULL stops at its ``IS NOT NULL``. For wide decimals the try is ``DECIMAL(18,s)``: text ->
    DECIMAL(38,s) parses through 128-bit arithmetic, about ten times slower (it was a quarter of a
    CUR v1 load); amounts below 10^(18-s) take the fast path, which rounds the same way, and larger
    ones fall through to the wide cast.
    """
    wide = _WIDE_DECIMAL.fullmatch(dst_type)
    fast = dst_type
    if wide and int(wide[1]) > 18 and int(wide[2]) < 18:
        fast = f"DECIMAL(18,{wide[2]})"
    nulls = ", ".join(sql_literal(v) for v in NULL_SPELLINGS)
    checked = f"CAST(CASE WHEN {expr} IN ({nulls}) THEN NULL ELSE {expr} END AS {dst_type})"
    return f"COALESCE(TRY_CAST({expr} AS {fast}), CASE WHEN {expr} IS NOT NULL THEN {checked} END)"


#: Map columns stored as ``'{}'`` rather than NULL when a row has no entry (the file has the
#: columns): ``resource_tags``. DuckDB runs a scalar function once per distinct value of a
#: dictionary-compressed column, but only on a column without NULLs; so the FOCUS build's ``Tags``
#: rewrite runs once per tag set instead of once per row (2M CUR rows: the FOCUS ``COPY`` about 2
#: CPU-s less; bench/RESULTS.md, session 12). NULL and ``'{}'`` both mean "no tags".
EMPTY_AS_OBJECT = frozenset({"resource_tags"})


def _json_text(src: str, src_type: str, *, keep_empty: bool = False) -> str:
    """A map column as compact JSON object text; NULL when empty (``keep_empty``: ``'{}'``).

    Native MAPs (CUR 2.0 parquet) are serialised; JSON text (CUR 2.0 CSV) is parsed once, so a
    malformed value is an error that names the file, and re-serialised compactly.
    """
    if src_type.startswith("MAP"):
        text = f"CAST(to_json({src}) AS VARCHAR)"
    else:
        text = f"CAST(json(NULLIF(CAST({src} AS VARCHAR), '')) AS VARCHAR)"
    return f"COALESCE({text}, '{{}}')" if keep_empty else f"NULLIF({text}, '{{}}')"


def _json_pack(items: list[tuple[str, str]], *, keep_empty: bool = False) -> str:
    """CUR v1 ``<category>/<key>`` columns packed into one JSON object text, without NULL or ''
    values; NULL when no value is set (``keep_empty``: ``'{}'``). String concatenation, not a MAP:
    a MAP costs several times more to build and to store, and the FOCUS build only needs the
    JSON."""
    parts = ", ".join(
        f"CASE WHEN {src} <> '' THEN {sql_literal(json.dumps(key) + ':')} || to_json({src}) END"
        for key, src in items
    )
    text = f"'{{' || concat_ws(',', {parts}) || '}}'"
    return text if keep_empty else f"NULLIF({text}, '{{}}')"


@dataclass
class Plan:
    """How one file is loaded: ``INSERT INTO <raw> BY NAME SELECT <select> FROM <source>``.

    Absent canonical columns are left out (NULL). ``x_source_row`` comes with the rows as they
    stream (parquet ``file_row_number``, a counter per Arrow batch for CSV), not from a window
    function, which would hold the whole file in memory, nor from an update after the insert, which
    at 10M rows cost a third of the load.
    """

    select: str
    source: str
    extras: dict[str, str]
    arrow: Path | None = None  # a CSV file to register as ARROW_VIEW (arrow_source) for the insert
    columns: list[tuple[str, str]] = field(default_factory=list)  # the file's, for arrow_source
    packs: list[Pack] = field(default_factory=list)  # built by the Arrow stream (arrow_source)
    #: a CSV the import reads: read ahead with Arrow packs, inserted with the files of the same
    #: header that follow it (:func:`insert_files`)
    ahead: bool = False
    estimate: int = 0  # its rows, about (estimated_rows), when read ahead
    per_file: tuple[str, ...] = ()  # meta keys the stream gives with each row (not bound)
    params: dict[str, object] = field(default_factory=dict)  # what ``source`` refers to (bound)

    def bound(self, meta: dict[str, object]) -> dict[str, object]:
        """The values the select binds: ``meta`` but what the stream gives, and ``params``."""
        return {k: v for k, v in meta.items() if k not in self.per_file} | self.params


def cur_plan(
    path: Path,
    columns: list[tuple[str, str]],
    label: str,
    meta: dict[str, object],
    *,
    numbered: bool = True,
    ref: Callable[[str], str] = _bound,
    streamed: bool = True,
) -> Plan:
    """The plan mapping a CUR v1 / CUR 2.0 file's columns to ``raw_aws.cur``.

    Canonical columns get their declared type: text (CSV, a parquet string column) is cast with
    the :data:`NULL_SPELLINGS` as NULL, other parquet types as typed; v1 ``resourceTags/*``,
    ``costCategory/*`` and ``product/*`` are packed into JSON object text; CUR 2.0 maps are
    serialised to the same JSON text, and the canonical ``product_*`` attributes are taken out of
    its ``product`` map; other columns are kept as VARCHAR under their snake_case name. ``meta``
    values become ``$x_*`` parameters. ``numbered``: add ``x_source_row`` (the file is then read in
    order, see :func:`relation`). ``streamed``: a CSV is read ahead and its packs are built by its
    Arrow stream (:class:`Pack`, the plan's ``packs``); ``False`` keeps them in the SQL (another
    engine reading the file).

    Raises:
        InputError: a required column is missing.
    """
    # CSV read as text by DuckDB (convert) or as Arrow strings (import), and cast here
    csv = not is_parquet(path) and not numbered
    arrow = not is_parquet(path) and numbered
    select: dict[str, str] = {}
    packs: dict[str, list[tuple[str, str]]] = {}
    product_map: tuple[str, str] | None = None
    extras: dict[str, str] = {}
    for name, typ in columns:
        if name.upper() == "BILLING_PERIOD":
            continue
        target, key = classify_column(name)
        src = quote_ident(name)
        canonical = CANONICAL_COLUMNS.get(target)
        if key is not None:
            packs.setdefault(target, []).append((key, name))
            if target == "product" and f"product_{key}" in CANONICAL_COLUMNS:
                select[f"product_{key}"] = src if csv else _cast(src, typ, "VARCHAR")
        elif target in MAP_COLUMNS:
            select[target] = _json_text(src, typ, keep_empty=target in EMPTY_AS_OBJECT)
            if target == "product":
                product_map = (src, typ)
        elif canonical is not None:
            # typed columns are read as text and cast here, not by the CSV reader, so that the
            # null spellings are NULL in them and kept in VARCHAR columns (see _text_cast)
            select[target] = src if csv and canonical == "VARCHAR" else _cast(src, typ, canonical)
        elif target and target not in select and not target.startswith("x_"):
            select[target] = src if csv else f"CAST({_cast(src, typ, 'VARCHAR')} AS VARCHAR)"
            extras[target] = "VARCHAR"
    missing = [c for c in REQUIRED_COLUMNS if c not in select]
    if missing:
        raise InputError(
            f"{label} lacks required column(s) {', '.join(missing)}",
            hint="is the report a cost and usage report with line items? check --cur-version",
        )
    estimate = estimated_rows(path) if arrow and streamed else 0
    ahead = arrow and streamed  # read ahead (insert_files)
    by_arrow: list[Pack] = []
    for target, items in packs.items():
        if ahead:  # packed by the Arrow stream as it reads the file (Pack)
            pack = Pack(target, tuple(items), keep_empty=target in EMPTY_AS_OBJECT)
            by_arrow.append(pack)
            select[target] = quote_ident(pack.column)
        else:
            quoted = [(key, quote_ident(name)) for key, name in items]
            select[target] = _json_pack(quoted, keep_empty=target in EMPTY_AS_OBJECT)
    if product_map is not None:
        src, typ = product_map
        for col in CANONICAL_COLUMNS:
            if col.startswith("product_") and col not in select:
                key = col.removeprefix("product_")
                select[col] = (
                    f"NULLIF({src}[{sql_literal(key)}], '')"
                    if typ.startswith("MAP")
                    else f"NULLIF(json_extract_string({select['product']}, {sql_literal('$.' + key)}), '')"
                )
    parts = [f"{select[c]} AS {quote_ident(c)}" for c in CANONICAL_COLUMNS if c in select]
    parts += [f"{select[c]} AS {quote_ident(c)}" for c in extras]
    # read ahead, a file's key comes with its rows: one insert can read several files
    per_file = ("x_source_file",) if ahead and "x_source_file" in meta else ()
    parts += [
        f"{quote_ident(ARROW_FILE) if k in per_file else f'CAST(${k} AS VARCHAR)'} AS {quote_ident(k)}"
        for k in meta
    ]
    if numbered:
        parts.append(f"{row_number_sql(path)} AS x_source_row")
    if arrow:
        return Plan(
            ",\n  ".join(parts),
            ARROW_VIEW,
            extras,
            arrow=path,
            columns=columns,
            packs=by_arrow,
            ahead=ahead,
            estimate=estimate,
            per_file=per_file,
        )
    text = {name: "VARCHAR" for name, _ in columns}
    types = text if csv else None
    source = relation(path, types, numbered=numbered, ref=ref)
    return Plan(",\n  ".join(parts), source, extras, params=relation_params(path, types))


def focus_plan(
    path: Path,
    columns: list[tuple[str, str]],
    label: str,
    meta: dict[str, object],
    focus_types: dict[str, str],
) -> Plan:
    """The plan mapping an AWS FOCUS export file to ``raw_aws.focus`` (absent columns NULL)."""
    have = dict(columns)
    missing = [c for c in FOCUS_REQUIRED_COLUMNS if c not in have]
    if missing:
        raise InputError(
            f"{label} lacks required FOCUS column(s) {', '.join(missing)}",
            hint="is this a FOCUS export? use --cur-version v1/v2 for CUR",
        )
    arrow = not is_parquet(path)  # CSV streams through Arrow as strings and is cast here
    parts: list[str] = []
    extras: dict[str, str] = {}
    for col, typ in focus_types.items():
        if col not in have:
            continue
        src = quote_ident(col)
        if col == "Tags":
            expr = _json_text(src, have[col])
        else:
            expr = _cast(src, have[col], typ)
        parts.append(f"{expr} AS {src}")
    for col, _typ in columns:
        if col in focus_types or col.lower() == "billing_period" or col in meta:
            continue
        parts.append(f"CAST({quote_ident(col)} AS VARCHAR) AS {quote_ident(col)}")
        extras[col] = "VARCHAR"
    parts += [f"CAST(${k} AS VARCHAR) AS {quote_ident(k)}" for k in meta]
    parts.append(f"{row_number_sql(path)} AS x_source_row")
    if arrow:
        return Plan(",\n  ".join(parts), ARROW_VIEW, extras, arrow=path, columns=columns)
    return Plan(
        ",\n  ".join(parts), relation(path, numbered=True), extras, params=relation_params(path)
    )


def check_numbering(
    con: duckdb.DuckDBPyConnection, table: str, load_id: str, counts: list[tuple[str, int]]
) -> None:
    """Every file of the load is numbered 1..n (``x_source_row``), so a broken assumption about row
    order fails the load instead of storing wrong numbers.

    Raises:
        FinopsError: the numbering is not 1..n for some file (the load is rolled back).
    """
    got = con.execute(
        f"SELECT x_source_file, min(x_source_row), max(x_source_row), count(*) FROM {table} "  # noqa: S608 - fixed table name
        "WHERE x_load_id = $l GROUP BY ALL",
        {"l": load_id},
    ).fetchall()
    want = sorted((k, 1, n, n) for k, n in counts if n)
    if sorted(got) != want:
        raise FinopsError(
            "row numbering of the load went wrong (x_source_row)",
            hint="this is a bug; the load was rolled back, please report it",
        )


def insert_plan(
    con: duckdb.DuckDBPyConnection,
    table: str,
    plan: Plan,
    meta: dict[str, object],
    key: str,
    error: Callable[[str, Exception], FinopsError] = bad_file,
) -> int:
    """One file's ``INSERT INTO <table> BY NAME SELECT <plan>``; rows inserted.

    A CSV's Arrow stream is registered as a bare C-stream capsule, then unregistered and closed
    whatever happens, so nothing of it outlives the statement (a pyarrow reader left to the
    interpreter's exit aborted the process with ``PyGILState_Release``). A failure becomes
    ``error(key, exc)``, one line naming the file.
    """
    if plan.ahead and plan.arrow is not None:
        return insert_files(con, table, [(plan, meta, key)], error)[0]
    from pyarrow import ArrowException  # a CSV's Arrow stream fails with it (not at start-up)

    with contextlib.ExitStack() as cleanup:
        try:
            if plan.arrow is not None:
                stream = cleanup.enter_context(
                    arrow_source(plan.arrow, plan.columns, plan.packs, key=key)
                )
                con.register(ARROW_VIEW, stream.capsule)
                cleanup.callback(con.unregister, ARROW_VIEW)
            row = con.execute(
                f"insert into {table} by name select\n  {plan.select}\nfrom {plan.source}",  # noqa: S608 - quoted idents
                plan.bound(meta),
            ).fetchone()
        except (duckdb.Error, OSError, ArrowException) as exc:
            raise error(key, exc) from None
    return int(row[0]) if row else 0


def insert_files(
    con: duckdb.DuckDBPyConnection,
    table: str,
    files: list[tuple[Plan, dict[str, object], str]],
    error: Callable[[str, Exception], FinopsError] = bad_file,
) -> list[int]:
    """Each ``(plan, meta, key)`` file inserted into ``table``; the rows of each.

    Consecutive CSV files read ahead (:attr:`Plan.ahead`) with the same plan but for their
    ``x_source_file`` go in one ``INSERT``, from one stream that reads them one after the other
    (:func:`_insert_ahead`); every other file in one of its own (:func:`insert_plan`).
    """
    counts: list[int] = []
    for group in insert_groups(files):
        plan, meta, key = group[0]
        if plan.ahead and plan.arrow is not None:
            counts += _insert_ahead(con, table, group, error)
        else:
            counts.append(insert_plan(con, table, plan, meta, key, error))
    return counts


def insert_groups(
    files: list[tuple[Plan, dict[str, object], str]],
) -> list[list[tuple[Plan, dict[str, object], str]]]:
    """The inserts :func:`insert_files` runs, in order: runs of consecutive files read ahead that
    can share one (the same select of the same columns, the same bound values), every other file
    alone."""
    groups: list[list[tuple[Plan, dict[str, object], str]]] = []
    for item in files:
        if groups and _same_insert(groups[-1][0], item):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _same_insert(
    one: tuple[Plan, dict[str, object], str], other: tuple[Plan, dict[str, object], str]
) -> bool:
    """Whether two files read ahead can share one ``INSERT``: the same select of the same
    columns, and the same bound values."""
    (a, a_meta, _), (b, b_meta, _) = one, other
    return (
        a.ahead
        and b.ahead
        and a.arrow is not None
        and b.arrow is not None
        and (a.select, a.columns, a.per_file) == (b.select, b.columns, b.per_file)
        and a.bound(a_meta) == b.bound(b_meta)
    )


def _insert_ahead(
    con: duckdb.DuckDBPyConnection,
    table: str,
    group: list[tuple[Plan, dict[str, object], str]],
    error: Callable[[str, Exception], FinopsError],
) -> list[int]:
    """One ``INSERT`` of files read ahead by one stream; the rows of each.

    Under :data:`ONE_THREAD_ROWS` rows together, on one DuckDB thread (:func:`_one_thread`);
    more, on DuckDB's threads, which then share the casts and the storage's compression while the
    stream's threads parse and pack: 2M koku-nise rows in 21 files loaded in a third less time
    than with one ``INSERT`` per file on one thread (bench/RESULTS.md, session 14).
    """
    from pyarrow import ArrowException  # a CSV's Arrow stream fails with it (not at start-up)

    plan, meta, _ = group[0]
    assert plan.arrow is not None
    keys = [key for _, _, key in group]
    paths: list[tuple[str, Path]] = [(key, p.arrow) for p, _, key in group if p.arrow is not None]
    sql_text = f"insert into {table} by name select\n  {plan.select}\nfrom {plan.source}"  # noqa: S608 - quoted idents
    with contextlib.ExitStack() as cleanup:
        stream = cleanup.enter_context(CsvStream(paths, plan.columns, plan.packs, read_ahead=True))
        try:
            if sum(p.estimate for p, _, _ in group) < ONE_THREAD_ROWS:
                cleanup.enter_context(_one_thread(con))
            con.register(ARROW_VIEW, stream.capsule)
            cleanup.callback(con.unregister, ARROW_VIEW)
            row = con.execute(sql_text, plan.bound(meta)).fetchone()
        except (duckdb.Error, OSError, ArrowException) as exc:
            failed = stream.progress.failed
            if failed is None and len(group) > 1:
                found = _failing_file(con, group)
                if found is not None:
                    raise error(*found) from None
            raise error(failed or _label(keys), exc) from None
    counts = [stream.progress.rows.get(key, 0) for key in keys]
    if sum(counts) != (int(row[0]) if row else 0):
        raise FinopsError(
            f"{_label(keys)}: the rows inserted differ from the rows read",
            hint="this is a bug; the load was rolled back, please report it",
        )
    return counts


def _label(keys: list[str]) -> str:
    return (
        keys[0] if len(keys) == 1 else f"{keys[0]} (or one of the {len(keys) - 1} files after it)"
    )


def _failing_file(
    con: duckdb.DuckDBPyConnection, group: list[tuple[Plan, dict[str, object], str]]
) -> tuple[str, Exception] | None:
    """The first file of a failed ``INSERT`` whose select fails on its own, and how: each file's
    select run again, alone, on a cursor of its own (the failed statement left ``con``'s
    transaction refusing statements). None if none fails on its own."""
    from pyarrow import ArrowException

    check = con.cursor()
    try:
        for plan, meta, key in group:
            assert plan.arrow is not None
            with arrow_source(plan.arrow, plan.columns, plan.packs, True, key) as stream:
                check.register(ARROW_VIEW, stream.capsule)
                try:
                    check.execute(
                        f"select max(hash(*columns(*))) from (select\n  {plan.select}\n"  # noqa: S608 - quoted idents
                        f"from {plan.source})",
                        plan.bound(meta),
                    ).fetchall()
                except (duckdb.Error, OSError, ArrowException) as exc:
                    return key, exc
                finally:
                    check.unregister(ARROW_VIEW)
    finally:
        check.close()
    return None


#: Files read ahead with fewer rows than this together (four of DuckDB's row groups) are inserted
#: on one thread.
ONE_THREAD_ROWS = 4 * 122_880


def estimated_rows(path: Path) -> int:
    """About how many lines ``path`` (CSV, or single-member CSV.gz) holds: its text size (a gzip
    file's trailer says it, modulo 4 GiB) over the length of its first lines (up to 1 MB)."""
    try:
        with path.open("rb") as f:
            if path.name.lower().endswith(".gz"):
                f.seek(-4, 2)
                size = int.from_bytes(f.read(4), "little")
                if size < path.stat().st_size:  # 4 GiB or more of text: wrapped around
                    return ONE_THREAD_ROWS
                with gzip.open(path, "rb") as text:
                    head = text.read(1 << 20)
            else:
                size = path.stat().st_size
                head = f.read(1 << 20)
    except (OSError, EOFError, zlib.error):
        return 0  # the insert says what is wrong with the file
    return size * max(head.count(b"\n"), 1) // max(len(head), 1)


@contextlib.contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Generator[None, None, None]:
    """DuckDB on one thread for the statement (the ``threads`` setting restored after it).

    For an insert of fewer than :data:`ONE_THREAD_ROWS` rows, DuckDB's second thread costs more
    than it gives: a parallel insert leaves each thread's rows in row groups of their own, merged
    and written again when the statement ends, while on one thread they go on filling the
    transaction's row group from the insert before. A koku-nise file of 100k rows (195 columns)
    loaded in 1.07 s on one thread, 1.67 s on two (bench/RESULTS.md, session 13).
    """
    # set through a cursor of its own: ``threads`` is the database's, and a failed statement
    # leaves ``con``'s transaction refusing every statement until the caller rolls back
    settings = con.cursor()
    try:
        row = settings.execute("SELECT current_setting('threads')").fetchone()
        settings.execute("SET threads = 1")
        try:
            yield
        finally:
            settings.execute("SET threads = $n", {"n": row[0] if row else 1})
    finally:
        settings.close()
