"""The analysts' views (warehouse/views.sql) on the real sample, and how an older warehouse gets them."""
import duckdb

from warehouse.load import VIEWS, create_schema

VIEW_NAMES = ("v_mismatches", "v_indicator", "v_indicator_history", "v_coverage")


def test_every_view_and_column_is_commented(sample_con):
    views = dict(sample_con.execute("select view_name, comment from duckdb_views() where not internal").fetchall())
    for name in VIEW_NAMES:
        assert views.get(name), f"{name} has no comment"
    bare = sample_con.execute("""
        select table_name || '.' || column_name from duckdb_columns()
        where table_name in ('v_mismatches', 'v_indicator', 'v_indicator_history', 'v_coverage') and comment is null
    """).fetchall()
    assert bare == []


def test_mismatches_quote_the_claim_and_where_it_was_tested(sample_con):
    result = sample_con.execute("select * from v_mismatches")
    columns = [d[0] for d in result.description]
    rows = [dict(zip(columns, r)) for r in result.fetchall()]
    flagged = sample_con.execute("select count(*) from checks where status in ('mismatch', 'minor')").fetchone()[0]
    assert len(rows) == flagged > 0
    for row in rows:
        assert row["quote"] in row["sentence"], row["check_id"]
        if row["cited_fact_id"] is not None:
            assert row["cited_quote"] in row["cited_sentence"]
            assert row["cited"][0]["fact_id"] == row["cited_fact_id"]
    plan = next(r for r in rows if r["quote"].startswith("3.888 triệu đồng"))
    assert (plan["status"], plan["cited_quote"], plan["cited_line"]) == ("mismatch", "10.361,8 triệu đồng", 267)
    assert plan["section"].startswith("A > VII")


def test_coverage_counts_agree_with_the_checks(sample_con):
    row = sample_con.execute("select * from v_coverage where report_id = 'backan_2023_ktxh'").df().iloc[0]
    by_status = dict(sample_con.execute("select status, count(*) from checks group by 1").fetchall())
    assert row.facts == sample_con.execute("select count(*) from facts").fetchone()[0]
    assert row.checks == sum(by_status.values())
    assert (row.ok, row.minor, row.mismatch, row.unverifiable) == tuple(
        by_status.get(s, 0) for s in ("ok", "minor", "mismatch", "unverifiable"))
    assert 0 < row.checked <= row.claims
    assert row.claims - row.checked == sample_con.execute("""
        select count(*) from (select fact_ids[1] from checks group by 1 having bool_and(status = 'unverifiable'))
    """).fetchone()[0]


def test_indicator_puts_annex_and_text_side_by_side(sample_con):
    budget = sample_con.execute("""
        select plan, actual, percent, assessment, source from v_indicator
        where report_id = 'backan_2023_ktxh' and indicator = 'thu_ngan_sach' and unit = 'VND'
    """).fetchone()
    assert budget == (260e9, 201.922e9, 77.66, "Không đạt", "annex+text")
    duplicates = sample_con.execute("""
        select count(*) from (select report_id, indicator, unit from v_indicator group by all having count(*) > 1)
    """).fetchone()[0]
    assert duplicates == 0


def test_an_older_warehouse_gets_the_views_when_opened_for_writing(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    create_schema(con)
    for name in VIEW_NAMES:
        con.execute(f"drop view if exists {name}")
    con.execute("create or replace view v_coverage as select 1 as stale")
    create_schema(con)
    assert "report_id" in con.execute("select * from v_coverage").fetchdf().columns
    assert {n for (n,) in con.execute("select view_name from duckdb_views() where not internal").fetchall()} >= set(VIEW_NAMES)
    assert "create or replace view" in VIEWS.read_text(encoding="utf-8")
