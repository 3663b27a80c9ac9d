"""Export facts and checks for tools outside DuckDB: Parquet partitioned by year and locality, and CSV.

Each row carries its report's year and locality, the partition keys (hive layout:
`facts/year=2023/locality=th%C3%A0nh%20ph%E1%BB%91%20B%E1%BA%AFc%20K%E1%BA%A1n/data_0.parquet`), so
pandas, Spark or DuckDB read the folder back with the keys as columns. A report whose header
states no year or locality goes under year 0 / locality "unknown": a null partition key would
come back as a dictionary with nulls, which pandas cannot read.
"""
from __future__ import annotations

from pathlib import Path

from warehouse.lock import connect_reader

TABLES = ("facts", "checks")
UNKNOWN_YEAR, UNKNOWN_LOCALITY = 0, "unknown"


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
            con.execute(f"copy ({query}) to {sql_string(str(csv))} (format csv, header)")
            written[f"{table}_parquet"], written[f"{table}_csv"] = parquet, csv
    finally:
        con.close()
    return written
