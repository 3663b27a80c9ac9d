"""Tables whose columns no rule names: every numeric cell read, and the relations the rows show between
columns checked row by row. The tables are invented; each one states its own arithmetic."""
from decimal import Decimal

import duckdb
import pytest

from extract.document import process_document
from extract.facts.engine import document_from_text
from extract.facts.grid import table_relations
from extract.rulebook import default_rulebook
from extract.text.segment import LineMap
from warehouse.checks import run_checks
from warehouse.load import create_schema, load_report


def separated(header: list[list[str]], rows: list[list[str]], before: str = "", after: str = "") -> str:
    """A table as a converter flattens it: one cell per line, '|' between cells, '|' '|' between rows."""
    lines = [before] if before else []
    for row in header + rows:
        for cell in row:
            lines += ["|", *cell.split("\n")]
        lines.append("|")
    return "\n".join(lines + ([after] if after else []))


def bare(rows: list[list[str]]) -> str:
    return "\n".join(cell for row in rows for cell in row)


# Vốn đầu tư by district: Tổng = Ngân sách tỉnh + Ngân sách huyện + Vốn khác; Tỷ lệ = Giải ngân / Tổng.
HEADER = [["TT", "Đơn vị", "Tổng vốn", "NS tỉnh", "NS huyện", "Vốn khác", "Giải ngân", "Tỷ lệ giải ngân"]]
ROWS = [["1.", "Huyện Đông Sơn", "1.250", "800", "300", "150", "1.012", "81,0%"],
        ["2.", "Huyện Hà Trung", "980", "610", "250", "120", "935", "95,4%"],
        ["3.", "Huyện Nga Sơn", "1.430", "900", "400", "130", "1.100", "76,9%"],
        ["4.", "Thị xã Bỉm Sơn", "2.015", "1.300", "500", "215", "1.990", "98,8%"],
        ["5.", "Huyện Vĩnh Lộc", "760", "420", "220", "120", "701", "92,2%"]]


def facts_of(text: str):
    processed = process_document(document_from_text(text), default_rulebook(), "0" * 64)
    return processed, [f for f in processed.facts if f.rule == default_rulebook().tables["cell_code"]]


def checks_of(text: str) -> list[tuple]:
    """(check, status, line) of every check that judged the text, in an in-memory warehouse."""
    con = duckdb.connect(":memory:")
    create_schema(con)
    processed = process_document(document_from_text(text, "example"), default_rulebook(), "0" * 64)
    report_id = load_report(con, processed, "test")
    run_checks(con, [report_id], "test")
    return con.execute("select rule_id, status, line from checks order by line, rule_id").fetchall()


def line_of(processed, fact) -> int:
    return LineMap(processed.document)(fact.char_start)[1]


def test_every_numeric_cell_is_a_fact_on_its_own_line_and_row_numbers_are_not():
    text = separated(HEADER, ROWS)
    processed, facts = facts_of(text)
    source = text.split("\n")
    assert len(facts) == 5 * 6
    for f in facts:
        assert processed.document.text[f.char_start:f.char_end] == f.raw
        assert f.raw in source[line_of(processed, f) - 1]
    assert not any(f.value == 1 or f.value == 2 for f in facts if f.kind == "value")   # "1.", "2." are STT
    assert {f.stt for f in facts} == {"1.", "2.", "3.", "4.", "5."}
    first = [f for f in facts if f.table_row == 2]
    assert [f.label for f in first][:2] == ["Huyện Đông Sơn; Tổng vốn", "Huyện Đông Sơn; NS tỉnh"]


def test_the_total_column_and_the_rate_column_are_inferred_and_linked():
    processed, facts = facts_of(separated(HEADER, ROWS))
    by_raw = {(f.table_row, f.raw): f for f in facts}
    total = by_raw[(2, "1.250")]
    parts = [by_raw[(2, raw)] for raw in ("800", "300", "150")]
    assert all(p.part_of == total.key and p.breakdown == "table" for p in parts)
    assert by_raw[(2, "1.012")].part_of is None
    rate = by_raw[(2, "81,0%")]
    assert (rate.kind, rate.value, rate.plan, rate.percent, rate.plan_source) == (
        "ratio", Decimal("1012"), Decimal("1250"), Decimal("81.0"), "table")
    assert rate.value_from == by_raw[(2, "1.012")].key and rate.plan_from == total.key


def test_a_clean_table_gives_no_mismatch_and_each_row_is_judged():
    checks = checks_of(separated(HEADER, ROWS))
    assert [c for c in checks if c[1] == "mismatch"] == []
    assert sum(1 for c in checks if c[0] == "CK10" and c[1] == "ok") == 5
    assert sum(1 for c in checks if c[0] == "CK02" and c[1] == "ok") == 5


def test_a_row_that_breaks_the_relations_is_flagged_on_its_cells():
    rows = [list(r) for r in ROWS]
    rows[2][3] = "990"     # Nga Sơn: 990 + 400 + 130 = 1.520, printed total 1.430
    rows[4][7] = "82,2%"   # Vĩnh Lộc: 701 / 760 = 92,2%
    text = separated(HEADER, rows)
    lines = text.split("\n")
    mismatches = [c for c in checks_of(text) if c[1] == "mismatch"]
    assert ("CK10", "mismatch", lines.index("1.430") + 1) in mismatches
    assert ("CK02", "mismatch", lines.index("82,2%") + 1) in mismatches
    assert len(mismatches) == 2


def test_bare_cells_are_read_like_separated_ones():
    rows = [list(r) for r in ROWS]
    rows[0][6] = "1.100"   # Đông Sơn: 1.100 / 1.250 = 88%, printed 81,0%
    checks = checks_of(bare(HEADER + rows))
    assert [(c[0], c[1]) for c in checks if c[1] == "mismatch"] == [("CK02", "mismatch")]


def test_a_table_where_no_relation_holds_gives_values_only():
    header = [["STT", "Xã", "Dân số", "Diện tích (ha)", "Số thôn"]]
    rows = [["1", "Tân Lập", "8.412", "2.150,4", "14"], ["2", "Khe Mo", "6.905", "3.420,7", "11"],
            ["3", "Hòa Bình", "5.230", "1.875,2", "9"], ["4", "Văn Hán", "7.118", "4.012,9", "16"]]
    processed, facts = facts_of(bare(header + rows))
    assert len(facts) == 12
    assert all(f.kind == "value" and f.part_of is None and f.plan_from is None for f in facts)
    area = next(f for f in facts if f.raw == "2.150,4")
    assert (area.value, area.unit) == (Decimal("2150.4"), "ha")
    assert [c for c in checks_of(bare(header + rows)) if c[1] == "mismatch"] == []


def test_a_column_writing_decimals_with_a_dot_is_read_as_decimals_and_said_so():
    header = [["TT", "Trường", "Học sinh", "Đạt chuẩn", "Tỷ lệ"]]
    rows = [["1.", "THCS Quang Trung", "640", "612", "95.6%"], ["2.", "THCS Lê Lợi", "512", "500", "97.7%"],
            ["3.", "THCS Kim Đồng", "430", "430", "100%"], ["4.", "THCS Chu Văn An", "388", "351", "90.5%"]]
    processed, facts = facts_of(separated(header, rows))
    rates = [f for f in facts if f.percent is not None]
    assert [f.percent for f in rates] == [Decimal("95.6"), Decimal("97.7"), Decimal("100"), Decimal("90.5")]
    assert all(f.kind == "ratio" for f in rates)
    assert [p.code for p in processed.problems if p.code.startswith("number.")] == ["number.dot_decimal"]


def test_a_growth_column_is_judged_as_a_change_against_the_earlier_figure():
    header = [["Mặt hàng", "Năm 2023", "Năm 2024", "Tăng (%)"]]
    rows = [["Gạo", "1.204", "1.318", "9,5"], ["Cà phê", "845", "812", "-3,9"],
            ["Hồ tiêu", "210", "236", "12,4"], ["Cao su", "530", "561", "15,8"]]   # 561/530 = +5,8%
    text = separated(header, rows)
    processed, facts = facts_of(text)
    coffee = next(f for f in facts if f.raw == "-3,9")
    assert (coffee.kind, coffee.change, coffee.percent, coffee.value, coffee.plan) == (
        "change", "decrease", Decimal("3.9"), Decimal("812"), Decimal("845"))
    mismatches = [c for c in checks_of(text) if c[1] == "mismatch"]
    assert mismatches == [("CK01", "mismatch", text.split("\n").index("15,8") + 1)]


def test_a_tab_separated_table_of_unknown_columns_gets_the_same_reading():
    text = "\n".join(["Đơn vị\tTổng số\tNam\tNữ", "Phường 1\t1.520\t760\t760", "Phường 2\t1.184\t570\t614",
                      "Phường 3\t2.031\t1.010\t1.021", "Phường 4\t990\t480\t520"])   # 480 + 520 = 1.000
    mismatches = [c for c in checks_of(text) if c[1] == "mismatch"]
    assert mismatches == [("CK10", "mismatch", 5)]


def test_an_annex_whose_columns_are_named_stays_with_the_annex_reader():
    text = "\n".join(["STT\tChỉ tiêu\tĐVT\tKế hoạch 2024\tThực hiện 2024\tĐánh giá",
                      "1\tTổng đàn bò\tCon\t68.000\t67.450\tKhông đạt",
                      "2\tTổng đàn lợn\tCon\t600.000\t612.480\tVượt",
                      "3\tTổng đàn gia cầm\tCon\t285.060\t290.100\tVượt"])
    processed, facts = facts_of(text)
    assert facts == []
    assert len([f for f in processed.facts if f.kind == "annex_row"]) == 3


@pytest.mark.parametrize("style", [separated, lambda h, r: bare(h + r)])
def test_a_total_row_without_row_number_is_aligned_on_its_columns(style):
    header = [["STT", "Loại cây", "Diện tích", "Sản lượng"]]
    rows = [["1.", "Lúa", "12.400", "74.210"], ["2.", "Ngô", "3.100", "15.880"], ["3.", "Sắn", "860", "14.020"]]
    text = style(header, rows) + "\nCộng\n16.360\n104.110" if style is not separated else separated(
        header, rows + [["Cộng", "16.360", "104.110"]])
    processed, facts = facts_of(text)
    total = [f for f in facts if f.label and f.label.startswith("Cộng")]
    assert [(f.raw, f.label) for f in total] == [("16.360", "Cộng; Diện tích"), ("104.110", "Cộng; Sản lượng")]


def test_units_come_from_the_unit_column_the_header_or_the_line_above_the_table():
    with_column = [["TT", "Chỉ số", "ĐVT", "Quý I", "Quý II", "Quý III"],
                   ["1.", "Thu ngân sách", "Tỷ đồng", "120,5", "131,2", "140,8"],
                   ["2.", "Diện tích lúa", "ha", "5.120", "5.210", "5.300"],
                   ["3.", "Hộ nghèo", "hộ", "412", "398", "371"]]
    processed, facts = facts_of(separated(with_column[:1], with_column[1:]))
    assert next(f for f in facts if f.raw == "120,5").value == Decimal("120.5e9")
    assert next(f for f in facts if f.raw == "5.120").unit == "ha"
    above = separated([["Huyện", "Thu", "Chi"]], [["A Lưới", "45,2", "61,7"], ["Phú Lộc", "88,1", "92,4"],
                                                  ["Nam Đông", "21,9", "40,3"]], before="Đơn vị tính: tỷ đồng")
    processed, facts = facts_of(above)
    assert next(f for f in facts if f.raw == "88,1").value == Decimal("88.1e9")


def test_a_flattened_annex_goes_to_the_annex_reader_and_keeps_its_figures_on_their_lines():
    rows = [["STT", "Chỉ tiêu", "ĐVT", "Kế hoạch 2024", "Thực hiện 2024", "Đánh giá"],
            ["1", "Tổng đàn bò", "Con", "68.000", "67.450", "Không đạt"],
            ["2", "Tổng đàn lợn", "Con", "600.000", "612.480", "Vượt"],
            ["3", "Diện tích lúa", "ha", "5.200", "5.310", "Vượt"]]
    for text in (bare(rows), separated(rows[:1], rows[1:])):
        processed, facts = facts_of(text)
        lines = text.split("\n")
        annex = [f for f in processed.facts if f.kind == "annex_row"]
        assert [(f.stt, f.value, f.plan, f.assessment) for f in annex] == [
            ("1", 67450, 68000, "Không đạt"), ("2", 612480, 600000, "Vượt"), ("3", 5310, 5200, "Vượt")]
        # each row sits on the line of its actual figure, and every figure is a value on its own line
        assert [line_of(processed, f) for f in annex] == [lines.index(x) + 1 for x in ("67.450", "612.480", "5.310")]
        assert [(f.raw, line_of(processed, f)) for f in facts] == [
            (x, lines.index(x) + 1) for x in ("68.000", "67.450", "600.000", "612.480", "5.200", "5.310")]
        assert all(f.part_of is None and f.plan_from is None for f in facts)


def test_a_total_row_adds_up_the_rows_and_a_misprint_in_it_is_flagged():
    header = [["STT", "Huyện", "Số trường", "Số lớp", "Học sinh", "HS/lớp"]]
    rows = [["1.", "Mường Nhé", "21", "310", "9.120", "29,4"], ["2.", "Nậm Pồ", "26", "402", "11.580", "28,8"],
            ["3.", "Tủa Chùa", "18", "265", "7.890", "29,8"], ["4.", "Tuần Giáo", "30", "455", "13.604", "29,9"]]
    clean = separated(header, rows + [["Tổng cộng", "95", "1.432", "42.194", "29,5"]])
    checks = checks_of(clean)
    assert [c for c in checks if c[1] == "mismatch"] == []
    assert sum(1 for c in checks if c[0] == "CK10" and c[1] == "ok") == 3   # the average column does not add up
    wrong = separated(header, rows + [["Tổng cộng", "95", "1.423", "42.194", "29,5"]])
    line = wrong.split("\n").index("1.423") + 1
    assert [c for c in checks_of(wrong) if c[1] == "mismatch"] == [("CK10", "mismatch", line)]


def test_group_rows_add_up_their_own_rows():
    text = "\n".join(["Khu vực\tHộ\tNhân khẩu",
                      "Toàn huyện\t1.560\t6.200",
                      "I\tThị trấn\t620\t2.410", "1\tKhu 1\t300\t1.150", "2\tKhu 2\t320\t1.260",
                      "II\tCác xã\t940\t3.790", "1\tXã Đông\t410\t1.620", "2\tXã Tây\t530\t2.170"])
    processed, facts = facts_of(text)
    towns = next(f for f in facts if f.raw == "620")
    assert {f.raw for f in facts if f.part_of == towns.key} == {"300", "320"}
    whole = next(f for f in facts if f.raw == "1.560")
    assert {f.raw for f in facts if f.part_of == whole.key} == {"620", "940"}
    assert [c for c in checks_of(text) if c[1] == "mismatch"] == []


def test_a_share_column_is_each_row_over_the_total_row():
    header = [["Ngành", "Giá trị (tỷ đồng)", "Cơ cấu (%)"]]
    rows = [["Nông nghiệp", "1.820,4", "58,3"], ["Lâm nghiệp", "402,7", "12,9"], ["Thủy sản", "751,3", "24,1"],
            ["Dịch vụ nông nghiệp", "148,6", "4,8"], ["Tổng số", "3.123,0", "100,0"]]
    text = bare(header + rows)
    processed, facts = facts_of(text)
    forestry = next(f for f in facts if f.raw == "12,9")
    whole = next(f for f in facts if f.raw == "3.123,0")
    assert (forestry.kind, forestry.plan_from, forestry.value) == ("ratio", whole.key, Decimal("402.7e9"))
    assert [c for c in checks_of(text) if c[1] == "mismatch"] == []
    rows[2][2] = "21,4"
    text = bare(header + rows)
    assert [c for c in checks_of(text) if c[1] == "mismatch"] == [("CK02", "mismatch", text.split("\n").index("21,4") + 1)]


def test_a_column_in_the_english_way_reads_its_commas_as_thousands():
    header = [["Tỉnh", "Doanh thu", "Tăng (%)"]]
    rows = [["An Giang", "1,204.5", "9.5"], ["Kiên Giang", "845.2", "3.9"], ["Cà Mau", "2,310.0", "12.4"],
            ["Bạc Liêu", "1,520", "7.1"]]
    processed, facts = facts_of(bare(header + rows))
    values = {f.raw: f.value for f in facts if f.kind == "value"}
    assert values == {"1,204.5": Decimal("1204.5"), "845.2": Decimal("845.2"), "2,310.0": Decimal("2310.0"),
                      "1,520": Decimal("1520")}
    codes = [p.code for p in processed.problems if p.code.startswith("number.")]
    assert codes.count("number.dot_decimal") == 3   # two columns, and "1,520" that could be 1,52 the other way


def test_whole_numbers_rounded_from_measurements_are_not_flagged_for_their_rounding():
    # each figure rounded on its own: 120 + 85 + 41 = 246 where the total of the measurements rounds to 245
    header = [["Xã", "Tổng", "Lúa", "Màu", "Cây lâu năm"]]
    rows = [["Tân Lập", "245", "120", "85", "41"], ["Khe Mo", "310", "150", "100", "60"],
            ["Hòa Bình", "198", "90", "70", "38"], ["Văn Hán", "402", "201", "130", "72"],
            ["Đồng Bẩm", "275", "140", "90", "45"]]
    processed, facts = facts_of(bare(header + rows))
    assert sum(1 for f in facts if f.part_of is not None) == 3 * 3   # the rows off by their rounding are left out
    assert [c for c in checks_of(bare(header + rows)) if c[1] == "mismatch"] == []


def test_a_share_in_the_text_after_a_table_does_not_take_a_cell_for_its_plan():
    rows = [["Đơn vị", "Kế hoạch (tỷ đồng)", "Thực hiện (tỷ đồng)"], ["Huyện A", "120", "118"],
            ["Huyện B", "90", "95"], ["Huyện C", "300", "280"]]
    text = bare(rows) + "\nTổng thu ngân sách đạt 1.250 tỷ đồng, bằng 95% kế hoạch."
    processed, _ = facts_of(text)
    share = next(f for f in processed.facts if f.percent == 95)
    assert share.plan is None and share.plan_from is None
    assert [c for c in checks_of(text) if c[1] == "mismatch"] == []


def test_a_cell_of_another_year_is_not_compared_with_the_annex():
    annex = "\n".join(["STT\tChỉ tiêu\tĐVT\tKế hoạch 2024\tThực hiện 2024\tĐánh giá",
                       "1\tTổng đàn bò\tCon\t68.000\t67.450\tKhông đạt",
                       "2\tTổng đàn lợn\tCon\t600.000\t612.480\tVượt"])
    table = bare([["Chỉ số", "2022", "2023"], ["Tổng đàn bò", "64.100", "66.000"], ["Tổng đàn trâu", "12.400", "12.150"],
                  ["Tổng đàn dê", "3.100", "3.240"]])
    text = table + "\n\n" + annex
    assert [c for c in checks_of(text) if c[1] == "mismatch"] == []


def test_ingest_through_the_cli_flags_the_broken_rows_on_their_cells(tmp_path):
    from conftest import run_cli
    rows = [list(r) for r in ROWS]
    rows[1][4] = "205"     # Hà Trung: 610 + 205 + 120 = 935, printed total 980
    report = tmp_path / "von_dau_tu.txt"
    text = separated(HEADER, rows, before="Biểu 3. Vốn đầu tư công theo đơn vị",
                     after="Nhìn chung tiến độ giải ngân đạt khá.")
    report.write_text(text, encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(report), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    con = duckdb.connect(str(warehouse), read_only=True)
    lines = text.split("\n")
    flagged = con.execute("select rule_id, line from checks where status = 'mismatch'").fetchall()
    assert flagged == [("CK10", lines.index("980") + 1)]
    assert con.execute("select count(*) from checks where status = 'ok'").fetchone()[0] == 9
    assert con.execute("""select count(*) from facts f join reports r using (report_id)
                          where substr(r.text, f.char_start + 1, f.char_end - f.char_start) <> f.raw""").fetchone()[0] == 0
    stt_lines = [i + 1 for i, line in enumerate(lines) if line in ("1.", "2.", "3.", "4.", "5.")]
    assert con.execute(f"select count(*) from facts where line in ({', '.join(map(str, stt_lines))})").fetchone()[0] == 0


def test_a_flattened_annex_row_with_a_wrong_percent_is_flagged_on_the_percent_cell():
    rows = [["STT", "Chỉ tiêu", "ĐVT", "KH năm 2024", "TH 9 tháng", "% so KH"],
            ["1", "Thu ngân sách", "Tỷ đồng", "260", "201,9", "77,7"],
            ["2", "Vốn đầu tư", "Tỷ đồng", "1.250", "980,4", "87,4"],     # 980,4 / 1.250 = 78,4%
            ["3", "Trồng rừng", "ha", "350", "310,5", "88,7"]]
    text = separated(rows[:1], rows[1:])
    assert [c for c in checks_of(text) if c[1] == "mismatch"] == [("CK01", "mismatch", text.split("\n").index("87,4") + 1)]


def relations_of(text: str) -> dict:
    return table_relations(document_from_text(text), default_rulebook())


def test_the_relations_each_table_shows_are_inferred_from_its_rows():
    # Tổng vốn (2) = NS tỉnh + NS huyện + Vốn khác (3-5); Tỷ lệ giải ngân (7) = Giải ngân (6) / Tổng vốn (2)
    assert relations_of(separated(HEADER, ROWS)) == {1: [("ratio", 7, (6, 2)), ("sum", 2, (3, 4, 5))]}
    growth = [["Mặt hàng", "Năm 2023", "Năm 2024", "Tăng (%)"], ["Gạo", "1.204", "1.318", "9,5"],
              ["Cà phê", "845", "812", "-3,9"], ["Hồ tiêu", "210", "236", "12,4"]]
    assert relations_of(bare(growth)) == {1: [("growth", 3, (2, 1))]}
    share = [["Ngành", "Giá trị", "Cơ cấu (%)"], ["Nông nghiệp", "1.820,4", "58,3"], ["Lâm nghiệp", "402,7", "12,9"],
             ["Thủy sản", "751,3", "24,1"], ["Dịch vụ", "148,6", "4,8"], ["Tổng số", "3.123,0", "100,0"]]
    assert relations_of(bare(share)) == {1: [("share", 2, (1,))]}


def test_no_relation_is_inferred_where_the_rows_do_not_agree_on_one():
    # each row's rate is against a base the table does not print, and no column adds up the others
    rows = [["Huyện", "Dân số", "Hộ", "Hộ nghèo", "Tỷ lệ"], ["A", "41.200", "10.950", "820", "7,1%"],
            ["B", "38.700", "9.840", "610", "6,0%"], ["C", "52.100", "13.200", "1.120", "8,8%"],
            ["D", "29.400", "7.310", "402", "5,2%"]]
    assert relations_of(bare(rows)) == {1: []}
    processed, facts = facts_of(bare(rows))
    assert [f.kind for f in facts].count("percent") == 4 and all(f.plan_from is None for f in facts)


BUDGET = [["STT", "Nội dung thu", "Dự toán năm 2024", "Thực hiện 6 tháng", "So sánh (%)"],
          ["A", "Tổng thu NSNN trên địa bàn", "1.250.000", "712.340", "57,0"],
          ["I", "Thu nội địa", "1.100.000", "640.210", "58,2"],
          ["1", "Thu từ doanh nghiệp nhà nước", "210.000", "118.400", "56,4"],
          ["2", "Thu từ khu vực ngoài quốc doanh", "540.000", "301.150", "55,8"],
          ["3", "Thuế thu nhập cá nhân", "130.000", "82.660", "63,6"],
          ["4", "Thu tiền sử dụng đất", "220.000", "138.000", "62,7"],
          ["II", "Thu từ hoạt động xuất nhập khẩu", "150.000", "72.130", "48,1"]]


def test_a_budget_outline_printed_cell_by_cell_adds_up_level_by_level():
    title = "Biểu số 02\nTHỰC HIỆN THU NGÂN SÁCH 6 THÁNG\nĐơn vị tính: triệu đồng\n\n"
    text = title + "\n\n".join(c for r in BUDGET for c in r)
    processed, facts = facts_of(text)
    assert [r.header for r in processed.document.table_rows] == [True] + [False] * 7
    assert next(f for f in facts if f.raw == "712.340").value == Decimal("712340e6")
    checks = checks_of(text)
    assert sum(1 for c in checks if c[0] == "CK10" and c[1] == "ok") == 4      # A = I + II, I = 1 + … + 4
    assert sum(1 for c in checks if c[0] == "CK01" and c[1] == "ok") == 7      # the annex reader's rows
    rows = [list(r) for r in BUDGET]
    rows[2][3] = "604.210"
    text = title + "\n\n".join(c for r in rows for c in r)
    lines = text.split("\n")
    assert {(c[0], c[2]) for c in checks_of(text) if c[1] == "mismatch"} == {
        ("CK10", lines.index("604.210") + 1),                                    # 118.400 + … + 138.000 = 640.210
        ("CK10", lines.index("712.340") + 1),                                    # 604.210 + 72.130 = 676.340
        ("CK01", lines.index("58,2") + 1)}                                       # 604.210 / 1.100.000 = 54,9 %


def test_a_tab_annex_outline_adds_up_without_doubling_its_figures():
    text = "\n".join("\t".join(r) for r in BUDGET)
    processed, facts = facts_of(text)
    assert {f.raw for f in facts} == {"1.250.000", "712.340", "1.100.000", "640.210", "150.000", "72.130",
                                       "210.000", "118.400", "540.000", "301.150", "130.000", "82.660",
                                       "220.000", "138.000"}
    assert [c for c in checks_of(text) if c[1] == "mismatch"] == []


def test_a_column_of_changes_is_checked_against_the_two_figures():
    header = [["Chỉ tiêu", "Năm 2023", "Năm 2024", "Tăng (+), giảm (-)"]]
    rows = [["Số doanh nghiệp", "1.204", "1.318", "114"], ["Số hợp tác xã", "212", "205", "-7"],
            ["Số trang trại", "96", "104", "8"], ["Số hộ kinh doanh", "8.410", "8.655", "254"]]   # 8.655 − 8.410 = 245
    text = bare(header + rows)
    assert relations_of(text) == {1: [("difference", 3, (2, 1))]}
    processed, facts = facts_of(text)
    cell = next(f for f in processed.facts if f.raw == "-7" and f.kind == "difference")
    assert (cell.delta, cell.change, cell.value, cell.plan) == (Decimal(7), "decrease", Decimal(205), Decimal(212))
    assert next(f for f in facts if f.raw == "-7").value == Decimal(-7)     # the cell keeps its own value
    assert [c for c in checks_of(text) if c[1] == "mismatch"] == [("CK15", "mismatch", text.split("\n").index("254") + 1)]
