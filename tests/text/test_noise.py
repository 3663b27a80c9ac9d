"""Real-world noise is not text: web pages, converter Markdown and typing slips are read as a careful
person would. Every text here is invented for the test (the families come from the development corpus,
the lines do not)."""
import unicodedata

import pytest

from extract.facts.engine import document_from_text, extract_facts


def _read(text: str):
    document = document_from_text(text)
    facts, _ = extract_facts(document)
    for fact in facts:   # the canonical text is the normalised one: every raw is an exact slice of it
        assert document.text[fact.char_start:fact.char_end] == fact.raw
    return document, facts


def _values(facts):
    """Every value and percent read, in base units."""
    return sorted(format(x, "f") for f in facts for x in (f.value, f.percent) if x is not None)


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Tin kinh tế</title>
<style type="text/css">
.title { margin-top: 12px; font-size: 14px; z-index: 99 }
</style>
<script>
var cfg = {"id": 48213, "width": 300};
setTimeout(function(){ load(2500); }, 2500);
</script>
</head><body>
<div class="share-bar mb-15" style="height:32px;line-height:12px;">
    <div class="zalo-share" data-href="https://tinkinhte.vn/xuat-khau-9-thang-2024-d8123.html" data-oaid="918273645501928374" data-layout="2"></div>
    <a href="javascript:void(0);" style="margin-top:-8px;" onclick="readArticle('7c1de24f0a93b5560e1a2b3c',$(this));">Đọc bài</a>
</div>
<!-- quảng cáo
banner 728x90
-->
<div id="player21"><audio></audio></div>
<div class="block-news-b7">
<p><strong>Kim ngạch xuất khẩu 9 tháng đạt 4.215 triệu USD, t&#259;ng 8,4% so với cùng kỳ.</strong></p>
<p>Trong đó, thủy sản đạt 612,5 triệu USD, chiếm 14,5%.</p>
</div>
<p>Lượt xem: 2.318 | Bình luận (7)</p>
<p>Cập nhật lúc 09:45, 30/9/2024 (GMT+7)</p>
</body></html>"""


def test_a_web_page_gives_the_figures_of_its_prose_and_nothing_of_its_markup():
    document, facts = _read(HTML_PAGE)
    assert _values(facts) == sorted(["4215000000", "8.4", "612500000", "14.5"])
    assert "tăng 8,4%" in document.text            # the entity is decoded, the tags are gone
    assert "<" not in document.text and "margin" not in document.text and "setTimeout" not in document.text


MARKDOWN = """# Dataset_2291
## Phát triển kinh tế3
![Biểu đồ 2](media/image_2024_07.png)
### 2.1. Nông nghiệp
Theo [Cục Thống kê](https://thongke.example.vn/bao-cao-2024-12.pdf), sản lượng lúa đạt 312,4 nghìn tấn [2], tăng 1,2%.
Nâng cấp đường tỉnh 295 và các tuyến nhánh 4, 5, 6; cứng hóa 18,5 km đường huyện; tăng 12 tuyến xe buýt.
Tiêm vắc xin 6 trong 1 cho 1.250 trẻ dưới 12 tháng tuổi; trẻ 6 tuổi vào lớp 1 đạt 99,8%.
Đến 20/11, thu ngân sách đạt 1.905 tỷ đồng; 14/14 xã có điểm tiêm.
1.
Xem Phụ lục 7a và 7b."""


def test_converter_markdown_keeps_only_the_figures():
    document, facts = _read(MARKDOWN)
    assert _values(facts) == sorted(["312400", "1.2", "18.5", "12", "1250", "99.8", "1905000000000", "14"])
    assert "Phát triển kinh tế³" in document.text   # the footnote number glued to the heading became a marker
    assert "https://" not in document.text and "image_2024" not in document.text


def test_a_space_after_the_decimal_comma_is_read_and_flagged():
    document, facts = _read("Doanh thu đạt 274, 4 triệu đồng, bằng 96,5% kế hoạch; tỷ lệ che phủ (58, 62%).")
    assert _values(facts) == sorted(["274400000", "96.5", "58.62"])
    problems = [p for p in document.problems if p.code == "text.spaced_decimal_comma"]
    assert [document.text[p.start:p.end] for p in problems] == ["274,4", "58,62"]
    assert "'274, 4'" in problems[0].message


@pytest.mark.parametrize("text", [
    "các mức 1, 2, 3% được áp dụng",                 # a list of numbers
    "Trong năm 2023, 5 triệu lượt khách đến tỉnh",   # a year then a count
    "Trong tháng 6, 3 tỷ đồng được giải ngân",       # a month then an amount
])
def test_a_comma_between_two_numbers_is_not_always_a_decimal(text):
    document, _ = _read(text)
    assert not any(p.code == "text.spaced_decimal_comma" for p in document.problems)
    assert ", " in document.text


def test_a_number_glued_to_its_word_is_read_as_if_spaced():
    glued = "Thu ngân sách đạt 5.125 tỷ đồng, bằng107,07% dự toán; cơn bão số10 gây thiệt hại 12 tỷ đồng."
    spaced = "Thu ngân sách đạt 5.125 tỷ đồng, bằng 107,07% dự toán; cơn bão số 10 gây thiệt hại 12 tỷ đồng."
    facts = _read(glued)[1]
    assert [(f.rule, f.raw) for f in facts] == [(f.rule, f.raw) for f in _read(spaced)[1]]
    assert "10" not in {format(f.value, "f") for f in facts if f.value is not None}   # the storm's number
    assert any(str(f.percent) == "107.07" and f.value == 5125 * 10**9 for f in facts)


def test_decomposed_diacritics_read_like_composed_ones():
    text = "Tổng mức bán lẻ hàng hóa đạt 3.640 tỷ đồng, tăng 10,6% so với cùng kỳ."
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text
    assert _values(_read(decomposed)[1]) == _values(_read(text)[1]) == sorted(["3640000000000", "10.6"])


@pytest.mark.parametrize("text", [
    'Thu ngân sách đạt 1.250 tỷ đồng<sup><a href="#_ftn6">[6]</a></sup>, tăng 5,2%.',   # Word saved as HTML
    "Thu ngân sách đạt 1.250 tỷ đồng[6](#fn6), tăng 5,2%.",                              # converted to Markdown
    "Thu ngân sách đạt 1.250 tỷ đồng[^6], tăng 5,2%.",
])
def test_a_footnote_reference_becomes_a_marker_not_a_figure(text):
    document, facts = _read(text)
    assert "đồng⁶," in document.text
    assert _values(facts) == sorted(["1250000000000", "5.2"])


def test_a_footnote_number_that_lost_its_superscript_is_a_marker_again():
    document, facts = _read("Tổng thu đạt 1.250 tỷ đồng, tăng 5,2% so với cùng kỳ6. Chi 980 tỷ đồng12; gồm3 xã.")
    assert "cùng kỳ⁶." in document.text and "đồng¹²;" in document.text
    assert _values(facts) == sorted(["1250000000000", "5.2", "980000000000", "3"])
