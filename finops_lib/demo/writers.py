"""Native AWS layouts: CUR v1 (CSV.gz + manifests) and CUR 2.0 Data Exports (parquet + manifests)."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from finops_lib.demo import quirks
from finops_lib.demo.rows import MONEY_COLUMNS, STRING_COLUMNS, UNITS

V1_CATEGORIES = {
    "identity_": "identity",
    "bill_": "bill",
    "line_item_": "lineItem",
    "product_": "product",
    "pricing_": "pricing",
    "reservation_": "reservation",
    "savings_plan_": "savingsPlan",
}
V1_SPECIAL = {
    "tag_team": "resourceTags/user:team",
    "tag_env": "resourceTags/user:env",
    "tag_cost_center": "resourceTags/user:cost_center",
    "tag_app": "resourceTags/user:app",
    "tag_aws_created_by": "resourceTags/aws:createdBy",
    "cc_business_unit": "costCategory/BusinessUnit",
    "reservation_reservation_a_r_n": "reservation/ReservationARN",
    "savings_plan_savings_plan_a_r_n": "savingsPlan/SavingsPlanARN",
    "pricing_rate_code": "pricing/RateCode",
    "pricing_rate_id": "pricing/RateId",
    "product_product_name": "product/ProductName",
}
V1_SKIP = {
    "bill_payer_account_name",
    "line_item_usage_account_name",
    "discount_edp",
    "discount_private_rate",
}
V2_TAGS = {
    "tag_team": "user_team",
    "tag_env": "user_env",
    "tag_cost_center": "user_cost_center",
    "tag_app": "user_app",
    "tag_aws_created_by": "aws_created_by",
}
V2_PRODUCT_MAP = {
    "product_product_name": "product_name",
    "product_location": "location",
    "product_operating_system": "operating_system",
}


def v1_name(col: str) -> str:
    if col in V1_SPECIAL:
        return V1_SPECIAL[col]
    for prefix, category in V1_CATEGORIES.items():
        if col.startswith(prefix):
            words = col[len(prefix) :].split("_")
            if category in ("product", "pricing"):
                return f"{category}/{words[0]}{''.join(w.title() for w in words[1:])}"
            return f"{category}/{''.join(w.title() for w in words)}"
    raise ValueError(col)


def _money_type(col: str) -> str:
    return "BigDecimal" if col in MONEY_COLUMNS else "String"


class V1Writer:
    """One CUR v1 assembly: CSV.gz files split at ``rows_per_file`` and the assembly manifest.

    As real and third-party v1 deliveries do (demo/quirks.py): ``absent`` columns are left out of
    the files and the manifest, and the savings plan columns of EC2 usage rows hold the text ``None``.
    """

    def __init__(
        self,
        root: Path,
        prefix: str,
        report: str,
        start: str,
        end: str,
        assembly: str,
        rows_per_file: int,
        absent: frozenset[str] = frozenset(),
    ) -> None:
        self.root, self.prefix, self.report = root, prefix, report
        self.folder = f"{prefix}/{report}/{start}-{end}"
        self.assembly = assembly
        self.rows_per_file = rows_per_file
        self.columns = [
            c for c in (*STRING_COLUMNS, *MONEY_COLUMNS) if c not in V1_SKIP and c not in absent
        ]
        self.keys: list[str] = []
        self._writer: pacsv.CSVWriter | None = None
        self._stream: gzip.GzipFile | None = None
        self._raw: BinaryIO | None = None
        self._rows_in_file = 0

    def _open(self) -> None:
        key = f"{self.folder}/{self.assembly}/{self.report}-{len(self.keys) + 1}.csv.gz"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Python's gzip at level 3: ~5x faster than Arrow's gzip stream (level 9), mtime=0 and no
        # file name in the header keep the bytes deterministic.
        raw = path.open("wb")
        self._raw = raw
        self._stream = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=3, mtime=0)
        schema = pa.schema(
            [
                (
                    v1_name(c),
                    pa.string()
                    if c in STRING_COLUMNS or c in quirks.NONE_TEXT_COLUMNS
                    else pa.decimal128(38, 8),
                )
                for c in self.columns
            ]
        )
        self._writer = pacsv.CSVWriter(self._stream, schema)
        self.keys.append(key)
        self._rows_in_file = 0

    def write(self, cols: dict) -> None:
        n = len(cols["identity_line_item_id"])
        none_rows = quirks.none_text_rows(cols)
        table = pa.table(
            [
                quirks.with_none_text(cols[c], none_rows)
                if c in quirks.NONE_TEXT_COLUMNS
                else cols[c]
                for c in self.columns
            ],
            names=[v1_name(c) for c in self.columns],
        )
        offset = 0
        while offset < n:
            if self._writer is None or self._rows_in_file >= self.rows_per_file:
                self.close_file()
                self._open()
            take = min(n - offset, self.rows_per_file - self._rows_in_file)
            assert self._writer is not None
            self._writer.write_table(table.slice(offset, take))
            self._rows_in_file += take
            offset += take

    def close_file(self) -> None:
        if self._writer is not None:
            self._writer.close()
            assert self._stream is not None
            self._stream.close()
            assert self._raw is not None
            self._raw.close()
            self._writer = None

    def manifest(self, bucket: str, account: str, billing_start: str, billing_end: str) -> dict:
        return {
            "assemblyId": self.assembly,
            "account": account,
            "columns": [
                {
                    "category": v1_name(c).split("/")[0],
                    "name": v1_name(c).split("/", 1)[1],
                    "type": _money_type(c),
                }
                for c in self.columns
            ],
            "charset": "UTF-8",
            "compression": "GZIP",
            "contentType": "text/csv",
            "reportId": _report_id(self.report),
            "reportName": self.report,
            "billingPeriod": {"start": billing_start, "end": billing_end},
            "bucket": bucket,
            "reportKeys": list(self.keys),
            "additionalArtifactKeys": [],
        }

    def finish(
        self, bucket: str, account: str, billing_start: str, billing_end: str, top_level: bool
    ) -> None:
        self.close_file()
        manifest = json.dumps(self.manifest(bucket, account, billing_start, billing_end), indent=2)
        (self.root / self.folder / self.assembly / f"{self.report}-Manifest.json").write_text(
            manifest
        )
        if top_level:
            (self.root / self.folder / f"{self.report}-Manifest.json").write_text(manifest)


def _report_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _map(columns: dict[str, pa.Array], n: int, value_type: pa.DataType) -> pa.MapArray:
    """A MAP column holding, per row, the non-null entries of ``columns`` (key -> values)."""
    keys = list(columns)
    k = len(keys)
    if n == 0:
        return pa.MapArray.from_arrays(
            pa.array([0], pa.int32()), pa.array([], pa.string()), pa.array([], value_type)
        )
    valid = np.stack(
        [np.asarray(pc.is_valid(columns[key]).to_numpy(zero_copy_only=False)) for key in keys],
        axis=1,
    )
    keep = valid.reshape(-1)
    order = (np.arange(k)[None, :] * n + np.arange(n)[:, None]).reshape(-1)[keep]
    values = pc.take(
        pa.concat_arrays([columns[key].cast(value_type) for key in keys]), pa.array(order)
    )
    names = pa.array(np.tile(np.array(keys, dtype=object), n)[keep], pa.string())
    offsets = np.concatenate([[0], np.cumsum(valid.sum(axis=1))]).astype(np.int32)
    return pa.MapArray.from_arrays(pa.array(offsets), names, values)


def v2_table(cols: dict) -> pa.Table:
    """CUR 2.0 columns: snake_case, money as double, maps for product, tags, cost categories, discounts."""
    n = len(cols["identity_line_item_id"])
    out: dict[str, pa.Array] = {}
    for c in STRING_COLUMNS:
        if c in V2_TAGS or c in V2_PRODUCT_MAP or c in ("cc_business_unit", "product_region"):
            continue
        out[c] = cols[c]
    for c in MONEY_COLUMNS:
        if c.startswith("discount_"):
            continue
        out[c] = pc.divide(cols[c].cast(pa.float64()), 1.0)
    product = {v: cols[k] for k, v in V2_PRODUCT_MAP.items()}
    product["region"] = cols["product_region_code"]
    out["product"] = _map(product, n, pa.string())
    out["resource_tags"] = _map({v: cols[k] for k, v in V2_TAGS.items()}, n, pa.string())
    out["cost_category"] = _map({"business_unit": cols["cc_business_unit"]}, n, pa.string())
    out["discount"] = _map(
        {
            "edp_discount": cols["discount_edp"],
            "private_rate_discount": cols["discount_private_rate"],
        },
        n,
        pa.float64(),
    )
    return pa.table(out)


class V2Writer:
    """One CUR 2.0 execution: parquet files under data/, the manifest under metadata/."""

    def __init__(
        self,
        root: Path,
        prefix: str,
        export: str,
        period: str,
        stamp: str,
        execution: str,
        rows_per_file: int,
    ) -> None:
        self.root, self.prefix, self.export, self.period = root, prefix, export, period
        self.sub = f"BILLING_PERIOD={period}/{stamp}-{execution}"
        self.execution = execution
        self.rows_per_file = rows_per_file
        self.keys: list[str] = []
        self.schema: pa.Schema | None = None
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_file = 0

    def _open(self, schema: pa.Schema) -> None:
        key = f"{self.prefix}/{self.export}/data/{self.sub}/{self.export}-{len(self.keys) + 1:05d}.snappy.parquet"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(str(path), schema, compression="snappy")
        self.keys.append(key)
        self._rows_in_file = 0

    def write(self, cols: dict) -> None:
        table = v2_table(cols)
        if self.schema is None:
            self.schema = table.schema
        table = table.cast(self.schema)
        offset = 0
        while offset < table.num_rows:
            if self._writer is None or self._rows_in_file >= self.rows_per_file:
                if self._writer is not None:
                    self._writer.close()
                self._open(self.schema)
            take = min(table.num_rows - offset, self.rows_per_file - self._rows_in_file)
            assert self._writer is not None
            self._writer.write_table(table.slice(offset, take))
            self._rows_in_file += take
            offset += take

    def finish(self, bucket: str, account: str, billing_start: str, billing_end: str) -> None:
        if self._writer is not None:
            self._writer.close()
        assert self.schema is not None
        manifest = {
            "executionId": self.execution,
            "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{account}:export/{self.export}-{_report_id(self.export)[:8]}",
            "columns": [{"name": f.name, "type": _athena_type(f.type)} for f in self.schema],
            "dataFiles": [f"s3://{bucket}/{k}" for k in self.keys],
            "billingPeriod": {"start": billing_start, "end": billing_end},
            "additionalOutputFiles": [],
        }
        path = (
            self.root
            / self.prefix
            / self.export
            / "metadata"
            / self.sub
            / f"{self.export}-Manifest.json"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest, indent=2))


def _athena_type(t: pa.DataType) -> str:
    if pa.types.is_map(t):
        return f"map<string,{_athena_type(t.item_type)}>"
    if pa.types.is_floating(t):
        return "double"
    return "string"


def money_str(units: int) -> str:
    sign = "-" if units < 0 else ""
    units = abs(units)
    return f"{sign}{units // UNITS}.{units % UNITS:08d}"
