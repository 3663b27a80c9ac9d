"""`python -m pipeline explain`: from a fact id back to the sentence, page and line it was printed on."""
from conftest import run_cli


def test_explain_shows_the_sentence_with_the_number_and_where_it_is(sample_warehouse, sample_con):
    fact_id, line = sample_con.execute(
        "select fact_id, line from facts where raw = '201,922/260 tỷ đồng bằng 77,66% dự toán'").fetchone()
    result = run_cli("explain", fact_id, "--warehouse", str(sample_warehouse))
    assert result.returncode == 0, result.stderr
    assert "thu ngân sách đạt »201,922/260 tỷ đồng bằng 77,66% dự toán«" in result.stdout
    assert f"line {line}" in result.stdout and "section A > I > 5 > 5.1" in result.stdout
    assert "check percent ok" in result.stdout


def test_explain_an_unknown_id_says_so_in_one_line_and_fails(sample_warehouse, sample_con):
    result = run_cli("explain", "backan_2023_ktxh:1:0:XX99", "--warehouse", str(sample_warehouse))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"error: no fact 'backan_2023_ktxh:1:0:XX99' in {sample_warehouse}\n"
    fact_id = sample_con.execute("select fact_id from facts order by fact_id limit 1").fetchone()[0]
    near = fact_id.rsplit(":", 1)[0] + ":XX99"     # the right place, a rule that did not read it
    result = run_cli("explain", near, "--warehouse", str(sample_warehouse))
    assert result.returncode == 1 and f"similar ids: {fact_id}" in result.stderr


def test_explain_without_an_id_or_a_warehouse_fails_in_one_line(tmp_path, sample_warehouse):
    result = run_cli("explain", "", "--warehouse", str(sample_warehouse))
    assert result.returncode == 1
    assert result.stderr.startswith("error: no fact id given: make explain FACT=<fact_id>")
    missing = tmp_path / "none.duckdb"
    result = run_cli("explain", "x:1:0:RT01", "--warehouse", str(missing))
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: no warehouse at {missing}: run make ingest first")
    assert not missing.exists()
