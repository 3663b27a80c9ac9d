"""Export facts and checks for tools outside DuckDB: Parquet partitioned by year and locality, and CSV.

The Parquet files keep every column typed and exact. The CSV files are for a spreadsheet: UTF-8 with a
BOM, as Excel needs to show the Vietnamese, and each number written as a plain decimal of at most 15
significant digits and 6 decimals (printed_number), so a figure reads as the report printed it, in
base units (`201922000000`, `77.66`), never as the float beside it (`102.35000000000001`); the
columns `value_raw`, `plan_raw`, `percent_raw` … hold the print itself.

Each row carries its report's year and locality, the partition keys (hive layout:
`facts/year=2023/locality=th%C3%A0nh%20ph%E1%BB%91%20B%E1%BA%AFc%20K%E1%BA%A1n/data_0.parquet`), so
pandas, Spark or DuckDB read the folder back with the keys as columns. A report whose header
states no year or locality goes under year 0 / locality "unknown": a null partition key would
come back as a dictionary with nulls, which pandas cannot read.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from warehouse.lock import connect_reader

TABLES = ("facts", "checks")
UNKNOWN_YEAR, UNKNOWN_LOCALITY = 0, "unknown"
BOM = "\ufeff".encode("utf-8")
HUGE = 1e31   # beyond decimal(38, 6): written as DuckDB prints a double (1e+31)


def sql_string(text: str) -> str:
    """A SQL string literal (COPY takes no parameters for its path).

    >>> sql_string("it's")
    "'it''s'"
    """
    return "'" + text.replace("'", "''") + "'"


def export_query(table: str) -> str:
    """The table's rows with their report's year and locality, in a stable order."""
    return (f"select t.*, coalesce(r.year, {UNKNOWN_YEAR}) as year, "
            f"coalesce(r.locality, {sql_string(UNKNOWN_LOCALITY)}) as locality "
            f"from {table} as t join reports as r using (report_id) "
            f"order by t.report_id, t.line, t.{'fact_id' if table == 'facts' else 'check_id'}")


def printed_number(column: str, kind: str) -> str:
    """SQL for a numeric column as CSV text: a plain decimal, at most 15 significant digits (a double's
    binary noise is beyond them) and 6 decimals, no exponent, no trailing zeros; other types as they are.

    >>> import duckdb
    >>> numbers = "(values (102.35000000000001), (201922000000.00003), (1.7e15), (77.0), (-0.5), (0.0), (1e-9), (null))"
    >>> duckdb.sql(f"select {printed_number('x', 'DOUBLE')} from {numbers} t(x)").fetchall()
    [('102.35',), ('201922000000',), ('1700000000000000',), ('77',), ('-0.5',), ('0',), ('0',), (None,)]
    >>> duckdb.sql(f"select {printed_number('x', 'DECIMAL(38,6)')} from (values (12.500000::decimal(38, 6))) t(x)").fetchall()
    [('12.5',)]
    """
    plain = "regexp_replace(cast({} as varchar), '\\.?0+$', '')"
    if kind.startswith("DECIMAL"):
        return f"case when {column} = 0 then '0' else {plain.format(column)} end"
    if kind not in ("DOUBLE", "FLOAT", "REAL"):
        return column
    rounded = f"round({column}, least(6, 14 - floor(log10(abs({column})))::integer))"
    return (f"case when {column} is null then null when {column} = 0 or abs({column}) < 5e-7 then '0' "
            f"when isnan({column}) or isinf({column}) or abs({column}) >= {HUGE} then cast({column} as varchar) "
            f"else {plain.format(f'cast({rounded} as decimal(38, 6))')} end")


def csv_query(con, query: str) -> str:
    """The query's rows with every number as printed_number writes it."""
    columns = con.execute(f"describe ({query})").fetchall()
    return "select " + ", ".join(f"{printed_number(quoted(name), kind)} as {quoted(name)}"
                                 for name, kind, *_ in columns) + f" from ({query})"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_csv_with_bom(con, query: str, path: Path) -> None:
    """COPY the query to CSV beside `path`, then put it in place behind a UTF-8 BOM."""
    part, bom = path.with_name(f".{path.name}.part"), path.with_name(f".{path.name}.bom")
    try:
        con.execute(f"copy ({csv_query(con, query)}) to {sql_string(str(part))} (format csv, header)")
        with open(part, "rb") as source, open(bom, "wb") as target:
            target.write(BOM)
            shutil.copyfileobj(source, target, 1 << 20)
        os.replace(bom, path)
    finally:
        for leftover in (part, bom):
            leftover.unlink(missing_ok=True)


def export_warehouse(warehouse: Path, out: Path, wait: float | None = None, log=print) -> dict[str, Path]:
    """Write <out>/<table>/ (Parquet, hive-partitioned) and <out>/<table>.csv for facts and checks."""
    out.mkdir(parents=True, exist_ok=True)
    con = connect_reader(warehouse, wait, log)
    written = {}
    try:
        for table in TABLES:
            query = export_query(table)
            parquet, csv = out / table, out / f"{table}.csv"
            con.execute(f"copy ({query}) to {sql_string(str(parquet))} "
                        f"(format parquet, partition_by (year, locality), overwrite)")
            write_csv_with_bom(con, query, csv)
            written[f"{table}_parquet"], written[f"{table}_csv"] = parquet, csv
    finally:
        con.close()
    return written
