"""Re-extraction: the stored structure rebuilds the Document exactly; new rules change facts and checks."""
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from extract.reading.source import read_source
from extract.rulebook import RULES_DIR, load_rulebook
from extract.text.segment import segment_document
from warehouse.restore import read_document

from conftest import SAMPLE_TXT, run_cli

BUDGET = "201,922/260 tỷ đồng bằng 77,66% dự toán"


@pytest.fixture()
def warehouse(tmp_path, sample_warehouse) -> Path:
    """A private copy of the sample warehouse, to re-extract without disturbing the shared one."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse, path)
    return path


def test_the_warehouse_rebuilds_the_document_it_was_given(sample_con):
    assert read_document(sample_con, "backan_2023_ktxh") == segment_document(read_source(SAMPLE_TXT), SAMPLE_TXT.stem)


def test_reextract_with_the_same_rules_changes_nothing(warehouse):
    before = duckdb.connect(str(warehouse), read_only=True).execute(
        "select count(*) from facts").fetchone()[0]
    result = run_cli("reextract", "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert "backan_2023_ktxh: unchanged" in result.stdout
    assert "facts +0 -0 ~0; 0 checks changed status" in result.stdout
    assert duckdb.connect(str(warehouse), read_only=True).execute("select count(*) from facts").fetchone()[0] == before


def weaken_rule(rules: Path, code: str) -> None:
    """Make a rule's pattern demand a word no report prints, so it stops matching, and mark its
    examples as known failures (a rule set whose examples fail is refused)."""
    path = next(rules.glob(f"{code}_*.toml"))
    text = re.sub(r"^xfail\s*=.*\n", "", path.read_text(encoding="utf-8"), flags=re.M)
    text = text.replace("[[examples]]\n", '[[examples]]\nxfail = "the rule is weakened by the test"\n')
    start = text.index("pattern")
    quote = text.index("'''", start) + 3
    path.write_text(text[:quote] + "\nkhôngbaogiờcó\n" + text[quote:], encoding="utf-8")


def test_reextract_with_an_edited_rule_reports_and_applies_the_diff(tmp_path, warehouse):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    weaken_rule(rules, "RT01")
    con = duckdb.connect(str(warehouse), read_only=True)
    old_ids = {f for (f,) in con.execute("select fact_id from facts where rule_id = 'RT01'").fetchall()}
    old_version = con.execute("select rules_version from reports").fetchone()[0]
    con.close()
    assert old_ids

    result = run_cli("reextract", "--warehouse", str(warehouse), "--rules", str(rules))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    removed = re.search(r"backan_2023_ktxh: facts \+\d+ -(\d+) ~\d+; checks \+\d+ -\d+, (\d+) changed status", out)
    assert removed and int(removed.group(1)) >= len(old_ids) and int(removed.group(2)) > 0, out
    assert re.search(r"^  - fact backan_2023_ktxh:\S+:RT01 l\.\d+ «", out, re.M)
    assert re.search(r"^  check CK\d\d:\S+ l\.\d+: ok → (unverifiable|mismatch|minor): ", out, re.M)
    assert "re-extracted 1 reports with rules " + load_rulebook(rules).version in out

    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from facts where rule_id = 'RT01'").fetchone()[0] == 0
    versions = {v for (v,) in con.execute(
        "select rules_version from reports union select rules_version from facts "
        "union select rules_version from checks").fetchall()}
    assert len(versions) == 1 and versions != {old_version}
    assert versions.pop().startswith(load_rulebook(rules).version)
    orphans = con.execute("""select count(*) from checks c
                             where not exists (select 1 from facts f where f.fact_id = c.fact_ids[1])""").fetchone()[0]
    assert orphans == 0


def test_the_rules_folder_can_come_from_the_environment(tmp_path, warehouse, monkeypatch):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    weaken_rule(rules, "RT01")
    monkeypatch.setenv("SOLIEU_RULES", str(rules))
    result = run_cli("rules")
    assert result.returncode == 0
    assert f"rules version {load_rulebook(rules).version}" in result.stdout


def test_a_broken_rules_folder_changes_nothing(tmp_path, warehouse):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    (rules / "lexicon.toml").write_text("not = [toml", encoding="utf-8")
    before = duckdb.connect(str(warehouse), read_only=True).execute("select count(*) from facts").fetchone()[0]
    result = run_cli("reextract", "--warehouse", str(warehouse), "--rules", str(rules))
    assert result.returncode == 2 and "lexicon.toml" in result.stderr
    assert duckdb.connect(str(warehouse), read_only=True).execute("select count(*) from facts").fetchone()[0] == before


def test_each_report_of_a_larger_warehouse_gets_its_own_diff(tmp_path, shared):
    warehouse = tmp_path / "three.duckdb"
    reports = [str(SAMPLE_TXT), *map(str, sorted((shared / "reports").glob("*.txt")))]
    assert run_cli("ingest", *reports, "--warehouse", str(warehouse)).returncode == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    rt01 = dict(con.execute("select report_id, count(*) from facts where rule_id = 'RT01' group by 1").fetchall())
    con.close()
    assert len(rt01) >= 3   # the diff is told report by report, for several reports

    same = run_cli("reextract", "--warehouse", str(warehouse))
    assert same.returncode == 0, same.stderr
    assert all(f"{report_id}: unchanged" in same.stdout for report_id in rt01)

    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    weaken_rule(rules, "RT01")
    result = run_cli("reextract", "--warehouse", str(warehouse), "--rules", str(rules))
    assert result.returncode == 0, result.stderr
    for report_id, before in rt01.items():
        removed = re.search(rf"^{report_id}: facts \+\d+ -(\d+) ~\d+; checks \+\d+ -\d+, \d+ changed status",
                            result.stdout, re.M)
        assert removed and int(removed.group(1)) >= before, result.stdout
    blocks = re.split(r"^(?=\S)", result.stdout, flags=re.M)
    for block in blocks:
        owner = block.split(":", 1)[0]
        if owner in rt01:   # every fact listed under a report is one of its own
            assert all(f.startswith(owner + ":") for f in re.findall(r"^  [-+~] fact (\S+)", block, re.M))


def test_worker_processes_reextract_exactly_what_one_process_does(tmp_path, shared):
    """The rows stored, the diff printed and the consistency reports written do not depend on how many
    processes extracted the reports."""
    alone, pooled = tmp_path / "alone" / "w.duckdb", tmp_path / "pooled" / "w.duckdb"
    reports = [str(SAMPLE_TXT), *map(str, sorted((shared / "reports").glob("*.txt")))]
    assert run_cli("ingest", *reports, "--warehouse", str(alone)).returncode == 0
    pooled.parent.mkdir()
    shutil.copy(alone, pooled)
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    weaken_rule(rules, "RT01")

    one = run_cli("reextract", "--warehouse", str(alone), "--rules", str(rules), "--workers", "0")
    two = run_cli("reextract", "--warehouse", str(pooled), "--rules", str(rules), "--workers", "2")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert one.stdout == two.stdout and "facts +0 -0 ~0" not in one.stdout
    for table in ("facts", "checks", "problems", "reports"):
        query = f"select * exclude (ingested_at) from {table} order by all" if table == "reports" else \
            f"select * from {table} order by all"
        rows = [duckdb.connect(str(w), read_only=True).execute(query).fetchall() for w in (alone, pooled)]
        assert rows[0] == rows[1], table
    written = [{p.name: p.read_bytes() for p in (w.parent / "reports").iterdir()} for w in (alone, pooled)]
    stored = duckdb.connect(str(alone), read_only=True).execute("select count(*) from reports").fetchone()[0]
    assert written[0] == written[1] and len(written[0]) == 3 * stored + 1   # .html, .md and .csv of each; the index


def test_an_empty_warehouse_and_a_full_last_chunk_are_reextracted(tmp_path, monkeypatch):
    """No report at all, and a number of reports that fills the last chunk exactly (nothing left over)."""
    import pipeline.reextract
    from pipeline.reextract import reextract
    empty = tmp_path / "empty" / "w.duckdb"
    assert reextract(empty, workers=0, log=lambda *_: None).changes == []

    warehouse = tmp_path / "two" / "w.duckdb"
    reports = tmp_path / "reports"
    reports.mkdir()
    for n in range(2):
        (reports / f"r{n}.txt").write_text(f"Báo cáo {n}. Thu ngân sách đạt 201,922/260 tỷ đồng.", encoding="utf-8")
    assert run_cli("ingest", str(reports), "--warehouse", str(warehouse)).returncode == 0
    monkeypatch.setattr(pipeline.reextract, "CHUNK", 2)
    changes = reextract(warehouse, workers=0, log=lambda *_: None).changes
    assert [c.report_id for c in changes] == ["r0", "r1"] and all(c.unchanged for c in changes)


def test_reextract_keeps_to_the_memory_cap_and_gives_the_same_results(tmp_path, warehouse):
    """A cap far below what the sample needs: each step grows it and runs again, and nothing differs."""
    import os
    import subprocess
    import sys
    from conftest import ROOT
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    weaken_rule(rules, "RT01")
    capped = tmp_path / "capped" / "warehouse.duckdb"
    capped.parent.mkdir()
    shutil.copy(warehouse, capped)
    runs = [subprocess.run([sys.executable, "-m", "pipeline", "reextract", "--warehouse", str(w), "--rules", str(rules)],
                           cwd=ROOT, capture_output=True, text=True, timeout=600,
                           env={**os.environ, "SOLIEU_DUCKDB_MEMORY": memory})
            for w, memory in ((warehouse, "128MB"), (capped, "8MB"))]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and "facts +0 -0 ~0" not in runs[0].stdout
    for table in ("facts", "checks", "problems"):
        rows = [duckdb.connect(str(w), read_only=True).execute(f"select * from {table} order by all").fetchall()
                for w in (warehouse, capped)]
        assert rows[0] == rows[1], table


def test_a_failed_reextract_leaves_the_warehouse_as_it_was(warehouse, monkeypatch):
    """Reports are committed a chunk at a time in the writer's copy: an error drops the copy."""
    import pipeline.reextract
    from warehouse.publish import leftovers
    before = warehouse.read_bytes()

    def failing(*args, **kwargs):
        raise RuntimeError("a check that fails once the facts are stored")

    monkeypatch.setattr(pipeline.reextract, "run_checks", failing)
    with pytest.raises(RuntimeError, match="fails once the facts are stored"):
        pipeline.reextract.reextract(warehouse, workers=0, log=lambda *_: None)
    assert warehouse.read_bytes() == before
    assert not any(p.exists() for p in leftovers(warehouse))


def test_reextract_completes_while_a_reader_holds_the_warehouse(tmp_path, warehouse):
    import subprocess
    import sys
    reader = subprocess.Popen([sys.executable, "-c", "import duckdb, sys\n"
                               "con = duckdb.connect(sys.argv[1], read_only=True)\n"
                               "for line in sys.stdin:\n"
                               "    print(con.execute(\"select count(*) from facts where rule_id = 'RT01'\").fetchone()[0],"
                               " flush=True)", str(warehouse)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        reader.stdin.write("count\n")
        reader.stdin.flush()
        before = int(reader.stdout.readline())
        rules = tmp_path / "rules"
        shutil.copytree(RULES_DIR, rules)
        weaken_rule(rules, "RT01")
        result = run_cli("reextract", "--warehouse", str(warehouse), "--rules", str(rules), "--wait", "30")
        assert result.returncode == 0, result.stderr
        assert "waiting" not in result.stdout + result.stderr
        reader.stdin.write("count\n")
        reader.stdin.flush()
        assert int(reader.stdout.readline()) == before > 0   # its snapshot, until it reconnects
    finally:
        reader.kill()
        reader.wait(timeout=30)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from facts where rule_id = 'RT01'").fetchone()[0] == 0
    con.close()
