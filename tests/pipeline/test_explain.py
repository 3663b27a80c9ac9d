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


def test_explain_an_unknown_id_says_so(sample_warehouse):
    result = run_cli("explain", "backan_2023_ktxh:1:0:XX99", "--warehouse", str(sample_warehouse))
    assert "no fact" in result.stdout
