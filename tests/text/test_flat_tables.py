"""Tables flattened one cell per line are rebuilt into table rows, each cell keeping the line it was printed on.

The tables are invented (other column counts, other headers, other offices' wording than the reports of
the development corpus); every assertion on a line number is an assertion on provenance."""
from extract.facts.engine import document_from_text
from extract.text.segment import LineMap

SEPARATED = """\
Kết quả sản xuất vụ mùa của các huyện như sau:
|
**TT**
|
**Huyện**
|
**Diện tích
gieo trồng (ha)**
|
**Năng suất (tạ/ha)**
|
|
I.
|
Yên Lạc
|
**3.120,5**
|
58,2
|
|
II.
|
Tam Dương
|
2.874
|
56,9
|
|
III.
|
Lập Thạch
|
4.015,8
|
54,1
|
Diện tích toàn tỉnh tăng so với năm trước."""

BARE = """\
Biểu 2. Hộ nghèo theo xã
Xã
Số hộ
Hộ nghèo
Tỷ lệ
Phú Xuân
1.204
86
7,1%
Đồng Tâm
985
61
6,2%
Hợp Thành
1.530
122
8,0%
Khe Mo
740
37
5,0%
Tỷ lệ hộ nghèo chung giảm 1,2 điểm phần trăm."""


def rows_of(text):
    doc = document_from_text(text)
    locate = LineMap(doc)
    return doc, [[(c.text, locate(c.start)[1]) for c in r.cells] for r in doc.table_rows]


def test_separated_cells_become_one_row_each_cell_on_its_own_line():
    doc, rows = rows_of(SEPARATED)
    assert rows[0] == [("TT", 3), ("Huyện", 5), ("Diện tích gieo trồng (ha)", 7), ("Năng suất (tạ/ha)", 10)]
    assert rows[1] == [("I.", 13), ("Yên Lạc", 15), ("3.120,5", 17), ("58,2", 19)]
    assert rows[3] == [("III.", 31), ("Lập Thạch", 33), ("4.015,8", 35), ("54,1", 37)]
    assert [r.header for r in doc.table_rows] == [True, False, False, False]
    # the rows are tab-joined in the canonical text and the prose around them is untouched
    assert "Yên Lạc\t3.120,5\t58,2" in doc.text
    assert "Kết quả sản xuất vụ mùa của các huyện như sau:" in doc.text
    assert not any(r.cells and r.cells[0].text == "|" for r in doc.table_rows)


def test_every_cell_is_an_exact_stretch_of_the_canonical_text():
    for text in (SEPARATED, BARE):
        doc = document_from_text(text)
        for row in doc.table_rows:
            for cell in row.cells:
                assert doc.text[cell.start:cell.end] == cell.text
        source = text.split("\n")
        locate = LineMap(doc)
        for row in doc.table_rows:
            for cell in row.cells:
                if cell.text:   # the cell's first piece sits on its line (bold marks stripped)
                    line = locate(cell.start)[1]
                    assert cell.text.split(" ")[0] in source[line - 1].replace("**", "")


def test_bare_cells_without_separators_are_rebuilt_with_their_header():
    doc, rows = rows_of(BARE)
    assert rows[0] == [("Xã", 2), ("Số hộ", 3), ("Hộ nghèo", 4), ("Tỷ lệ", 5)]
    assert doc.table_rows[0].header
    assert rows[1] == [("Phú Xuân", 6), ("1.204", 7), ("86", 8), ("7,1%", 9)]
    assert rows[-1] == [("Khe Mo", 18), ("740", 19), ("37", 20), ("5,0%", 21)]
    assert len(rows) == 5
    # the title and the sentence after the table stay prose
    kinds = {doc.text[b.start:b.end]: b.kind for b in doc.blocks}
    assert kinds["Biểu 2. Hộ nghèo theo xã"] != "table"
    assert kinds["Tỷ lệ hộ nghèo chung giảm 1,2 điểm phần trăm."] == "paragraph"


def test_a_table_of_three_rows_with_row_numbers_printed_as_plain_integers():
    text = "\n".join(["STT", "Đơn vị", "Kế hoạch", "Thực hiện",
                      "1", "Phòng Nội vụ", "120", "118",
                      "2", "Phòng Tư pháp", "64", "64",
                      "3", "Phòng Y tế", "210", "199"])
    doc, rows = rows_of(text)
    assert [r[0][0] for r in rows] == ["STT", "1", "2", "3"]
    assert rows[3] == [("3", 13), ("Phòng Y tế", 14), ("210", 15), ("199", 16)]


def test_a_total_row_without_row_number_and_blank_lines_between_cells():
    text = "\n\n".join(["1.", "Lúa", "12.400", "11.950",
                        "2.", "Ngô", "3.100", "3.380",
                        "3.", "Sắn", "860", "842",
                        "Cộng", "16.360", "16.172"])
    doc, rows = rows_of(text)
    assert [len(r) for r in rows] == [4, 4, 4, 3]
    assert rows[-1] == [("Cộng", 25), ("16.360", 27), ("16.172", 29)]


def test_an_empty_cell_inside_a_separated_row():
    # "| 2. | Tam Dương |  | 56,9 |": the empty cell prints two separators in a row, like a row break
    text = "\n".join(["|", "1.", "|", "Yên Lạc", "|", "3.120", "|", "58,2", "|",
                      "|", "2.", "|", "Tam Dương", "|", "|", "56,9", "|",
                      "|", "3.", "|", "Lập Thạch", "|", "4.015", "|", "54,1", "|",
                      "|", "4.", "|", "Sông Lô", "|", "2.210", "|", "52,7", "|"])
    doc, rows = rows_of(text)
    assert [[c for c, _ in r] for r in rows][1] == ["2.", "Tam Dương", "", "56,9"]
    assert len(rows) == 4


def test_lists_and_prose_stay_prose():
    numbered_list = "\n".join(["Các xã đạt chuẩn nông thôn mới năm 2024:", "1. Xã Yên Lạc đạt 19/19 tiêu chí;",
                               "2. Xã Đồng Tâm đạt 19/19 tiêu chí;", "3. Xã Phú Xuân đạt 18/19 tiêu chí."])
    label_lines = "\n".join(["Kết quả một số chỉ tiêu:", "Số hộ nghèo giảm", "152 hộ", "Lao động có việc làm mới",
                             "1.250 người", "Trường đạt chuẩn quốc gia", "12 trường"])
    wrapped = "\n".join(["Tổng vốn đầu tư toàn xã hội ước đạt", "1.250", "tỷ đồng, tăng so với cùng kỳ; trong đó vốn",
                         "ngân sách nhà nước", "420", "tỷ đồng."])
    headings = "\n".join(["I.", "KINH TẾ", "II.", "VĂN HÓA - XÃ HỘI", "III.", "QUỐC PHÒNG - AN NINH"])
    for text in (numbered_list, label_lines, wrapped, headings):
        doc = document_from_text(text)
        assert doc.table_rows == (), text


def test_two_level_header_rows_are_kept_as_header_rows():
    text = "\n".join(["|", "STT", "|", "Địa bàn", "|", "Số trường", "|", "Đạt chuẩn", "|",
                      "|", "Tổng", "|", "Mầm non", "|", "Tiểu học", "|",
                      "|", "1.", "|", "Phường 1", "|", "9", "|", "4", "|", "5", "|", "7", "|",
                      "|", "2.", "|", "Phường 2", "|", "11", "|", "5", "|", "6", "|", "9", "|",
                      "|", "3.", "|", "Phường 3", "|", "8", "|", "3", "|", "5", "|", "8", "|"])
    doc, rows = rows_of(text)
    assert [r.header for r in doc.table_rows] == [True, True, False, False, False]
    assert [c for c, _ in rows[1]] == ["Tổng", "Mầm non", "Tiểu học"]
    assert rows[2][0] == ("1.", 18)


def test_empty_cells_at_the_end_or_start_of_a_separated_row():
    # "|  | 2023 | 2024 |" then "| Lúa | 5.120 |  |": three separators in a row hold an empty cell
    text = "\n".join(["|", "|", "Năm 2023", "|", "Năm 2024", "|",
                      "|", "Lúa", "|", "5.120", "|", "5.310", "|",
                      "|", "Ngô", "|", "1.840", "|", "|",
                      "|", "Sắn", "|", "920", "|", "905", "|",
                      "|", "Lạc", "|", "410", "|", "398", "|"])
    doc, rows = rows_of(text)
    assert [[c for c, _ in r] for r in rows][:3] == [["", "Năm 2023", "Năm 2024"], ["Lúa", "5.120", "5.310"],
                                                     ["Ngô", "1.840", ""]]
    assert doc.table_rows[0].header


def test_a_numbered_heading_before_a_bare_table_stays_a_heading():
    text = "\n".join(["3. Thương mại", "Doanh thu", "Quý I", "1.250", "Quý II", "1.340", "Quý III", "1.410"])
    doc, rows = rows_of(text)
    assert [[c for c, _ in r] for r in rows] == [["Quý I", "1.250"], ["Quý II", "1.340"], ["Quý III", "1.410"]]
    assert doc.text.startswith("3. Thương mại\nDoanh thu\n")


def test_two_separated_tables_one_after_the_other_stay_two_tables():
    first = ["|", "Xã", "|", "Hộ", "|", "Khẩu", "|"] + sum(
        [["|", x, "|", h, "|", k, "|"] for x, h, k in (("An Bình", "410", "1.620"), ("An Phú", "530", "2.170"),
                                                       ("An Hòa", "300", "1.150"))], [])
    second = ["|", "Biểu 2. Trường học", "|", "|", "Xã", "|", "Mầm non", "|", "Tiểu học", "|", "THCS", "|"] + sum(
        [["|", x, "|", a, "|", b, "|", c, "|"] for x, a, b, c in (("An Bình", "2", "3", "1"), ("An Phú", "1", "2", "1"),
                                                                  ("An Hòa", "2", "2", "1"))], [])
    doc, rows = rows_of("\n".join(first + second))
    assert [r.table for r in doc.table_rows] == [1, 1, 1, 1, 2, 2, 2, 2, 2]
    assert [c for c, _ in rows[4]] == ["Biểu 2. Trường học"]
    assert [r.header for r in doc.table_rows if r.table == 2] == [True, True, False, False, False]


def test_a_bare_table_over_a_page_break_leaves_the_page_number_out(tmp_path):
    from extract.reading.source import read_source
    from extract.text.segment import segment_document
    rows = [["1.", "Xã An", "410", "1.620"], ["2.", "Xã Bình", "530", "2.170"], ["3.", "Xã Cường", "300", "1.150"],
            ["4.", "Xã Dũng", "320", "1.260"]]
    lines = [c for r in rows[:2] for c in r] + ["7\f" + rows[2][0]] + rows[2][1:] + [c for r in rows[3:] for c in r]
    path = tmp_path / "bang.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    doc = segment_document(read_source(path), "bang")
    assert [[c.text for c in r.cells] for r in doc.table_rows] == rows
    locate = LineMap(doc)
    assert locate(doc.table_rows[2].cells[0].start) == (2, 9)
