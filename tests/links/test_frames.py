"""Claim frames: a percent gets the figure and base its clause names (rules/frames.toml examples and
variants of each family, read by the whole per-document stage)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from extract.document import process_document
from extract.facts.engine import document_from_text
from extract.links.frames import parse_percent
from extract.rulebook import default_rulebook


def percent_fact(text: str, percent: str):
    """The fact of `text` that prints `percent`, after every stage of the per-document function."""
    facts = process_document(document_from_text(text), default_rulebook(), "sha").facts
    wanted = parse_percent(percent)
    found = [f for f in facts if f.percent == wanted]
    assert len(found) == 1, [(f.rule, f.raw, f.percent) for f in facts]
    return found[0]


def frame_examples():
    for number, example in enumerate(default_rulebook().frames.examples, 1):
        yield pytest.param(example, id=f"frames/{number}/{example['family']}")


@pytest.mark.parametrize("example", list(frame_examples()))
def test_frame_example(example):
    fact = percent_fact(example["text"], example["percent"])
    assert (fact.value, fact.plan) == (Decimal(example["value"]), Decimal(example["plan"])), fact


# Variants of each family of claim, invented for these tests (none is a line of a development report):
# (family, text, printed percent, value, plan) in base units.
FAMILIES = [
    ("base in brackets", "Tổng thu ngân sách nhà nước trên địa bàn ước đạt 7.845 tỷ đồng, đạt 104,6% dự toán Trung ương giao (7.500 tỷ đồng), đạt 98,1% dự toán HĐND tỉnh giao (8.000 tỷ đồng).", "104,6", "7845e9", "7500e9"),
    ("base in brackets", "Tổng thu ngân sách nhà nước trên địa bàn ước đạt 7.845 tỷ đồng, đạt 104,6% dự toán Trung ương giao (7.500 tỷ đồng), đạt 98,1% dự toán HĐND tỉnh giao (8.000 tỷ đồng).", "98,1", "7845e9", "8000e9"),
    ("base in brackets", "Giá trị sản xuất công nghiệp ước đạt 12.430 tỷ đồng, bằng 101,9% kế hoạch UBND tỉnh giao phấn đấu (12.200 tỷ đồng).", "101,9", "12430e9", "12200e9"),
    ("base in brackets", "Vốn đầu tư công đã giải ngân 3.215,4 tỷ đồng, đạt 76,5% so với kế hoạch vốn đã được giao (4.203 tỷ đồng).", "76,5", "3215.4e9", "4203e9"),
    ("base in brackets", "Kim ngạch xuất khẩu đạt 2,15 tỷ USD, bằng 89,6% mục tiêu Nghị quyết Đại hội đề ra (2,4 tỷ USD).", "89,6", "2.15e9", "2.4e9"),
    ("base in brackets", "Số doanh nghiệp thành lập mới 1.128 doanh nghiệp, đạt 94% chỉ tiêu Ban Thường vụ Tỉnh ủy giao (1.200 doanh nghiệp).", "94", "1128", "1200"),
    ("figure after tương đương", "Dự toán chi đầu tư phát triển năm 2025 là 6.480 tỷ đồng. Lũy kế đến 30/9 đã giải ngân 58,2% dự toán (tương đương 3.771,4 tỷ đồng).", "58,2", "3771.4e9", "6480e9"),
    ("figure after tương đương", "Kế hoạch vốn năm 2024 được giao 1.250 tỷ đồng. Các chủ đầu tư đã giải ngân được 40,8% kế hoạch, tương đương 510 tỷ đồng.", "40,8", "510e9", "1250e9"),
    ("figure after tương đương", "Chỉ tiêu thu nội địa năm nay là 4.600 tỷ đồng; đến nay đã thu được 71,3% chỉ tiêu, tương ứng với 3.279,8 tỷ đồng.", "71,3", "3279.8e9", "4600e9"),
    ("figure after tương đương", "Tổng mức đầu tư dự án là 860 tỷ đồng, đến nay khối lượng thực hiện đạt 35% (tương đương 301 tỷ đồng).", "35", "301e9", "860e9"),
    ("plan stated first", "Chỉ tiêu thu năm là 8.200 tỷ đồng. Kết quả thu hết tháng 9 là 5.904 tỷ đồng, đạt 72%.", "72", "5904e9", "8200e9"),
    ("plan stated first", "Kế hoạch năm 2024 trồng mới 1.500 ha rừng tập trung. Đến cuối tháng 11 đã trồng được 1.416 ha, đạt 94,4% kế hoạch.", "94,4", "1416", "1500"),
    ("plan stated first", "Tỉnh giao chỉ tiêu giảm nghèo năm 2024 là 2.400 hộ. Kết quả ước giảm được 2.652 hộ, bằng 110,5% chỉ tiêu.", "110,5", "2652", "2400"),
    ("plan stated first", "Mục tiêu đến hết năm có thêm 12 xã đạt chuẩn nông thôn mới. Đến nay đã có 9 xã được công nhận, đạt 75% mục tiêu.", "75", "9", "12"),
    ("plan stated first", "Năm 2024, HĐND tỉnh giao dự toán thu ngân sách 3.150 tỷ đồng. Ước cả năm thu được 3.402 tỷ đồng, bằng 108% dự toán.", "108", "3402e9", "3150e9"),
    ("share of a total named earlier", "Tổng vốn đầu tư toàn xã hội ước đạt 18.650 tỷ đồng. Trong đó, vốn ngoài nhà nước đạt 11.190 tỷ đồng, chiếm 60% tổng vốn đầu tư.", "60", "11190e9", "18650e9"),
    ("share of a total named earlier", "Tổng kim ngạch nhập khẩu 6 tháng đạt 1,84 tỷ USD. Nhập khẩu nguyên liệu sản xuất đạt 1,32 tỷ USD, chiếm 71,7% kim ngạch nhập khẩu.", "71,7", "1.32e9", "1.84e9"),
    ("share of a total named earlier", "Doanh thu du lịch cả năm ước đạt 4.250 tỷ đồng; doanh thu lưu trú đạt 1.190 tỷ đồng, chiếm 28% tổng doanh thu du lịch.", "28", "1190e9", "4250e9"),
    ("share of a total named earlier", "Toàn tỉnh có 96.400 ha đất nông nghiệp. Diện tích đất trồng lúa là 41.200 ha, chiếm 42,7% diện tích đất nông nghiệp.", "42,7", "41200", "96400"),
    ("part of a whole", "Trong năm có 1.650 doanh nghiệp trong tổng số 18.400 doanh nghiệp (chiếm 9%) tạm ngừng kinh doanh.", "9", "1650", "18400"),
    ("part of a whole", "Có 312 trên tổng số 340 trường học đạt chuẩn quốc gia, chiếm 91,8%.", "91,8", "312", "340"),
    ("part of a whole", "Số hộ sử dụng nước sạch là 28.450 hộ trên tổng số 31.020 hộ, đạt tỷ lệ 91,7%.", "91,7", "28450", "31020"),
    ("part of a whole", "Có 56 xã trong số 61 xã của tỉnh đã hoàn thành, chiếm 91,8%.", "91,8", "56", "61"),
    ("bare percent in brackets", "Tổng số lao động được đào tạo 12.400 người, trong đó có chứng chỉ 8.060 người (65%).", "65", "8060", "12400"),
    ("bare percent in brackets", "Kế hoạch vốn 450 tỷ đồng, đã giải ngân 301,5 tỷ đồng (67%).", "67", "301.5e9", "450e9"),
    ("bare percent in brackets", "Cả nước có 11.162 xã, đã có 8.315 xã đạt chuẩn nông thôn mới (74,5%).", "74,5", "8315", "11162"),
    ("bare percent in brackets", "Ngân sách cấp cho chương trình là 38 tỷ đồng, đến nay đã sử dụng 21,7 tỷ đồng (57,1%).", "57,1", "21.7e9", "38e9"),
    ("change with its base printed", "Kim ngạch xuất khẩu đạt 16,9 tỷ USD, tăng 6,2% so cùng kỳ (15,9 tỷ USD).", "6,2", "16.9e9", "15.9e9"),
    ("change with its base printed", "Thu ngân sách đạt 2.340 tỷ đồng, giảm 8,3% so với cùng kỳ năm trước (2.552 tỷ đồng).", "8,3", "2340e9", "2552e9"),
    ("change with its base printed", "Số vụ tai nạn giao thông giảm 37 vụ (tương ứng 15,4%) so với cùng kỳ (240 vụ).", "15,4", "37", "240"),
    ("change with its base printed", "Dư nợ tín dụng tăng 4.120 tỷ đồng, tương đương 9,5% so với đầu năm (43.370 tỷ đồng).", "9,5", "4120e9", "43370e9"),
    ("change sized against its figure", "Dân số trung bình năm 2024 là 320.500 người, tăng 4.100 người so với năm trước (tăng 1,3%).", "1,3", "320500", "316400"),
    ("change sized against its figure", "Tổng thu ngân sách đạt 1.150 tỷ đồng, giảm 150 tỷ đồng, tương ứng giảm 11,5% so với cùng kỳ.", "11,5", "1150e9", "1300e9"),
    ("change sized against its figure", "Số khách quốc tế đạt 86.400 lượt, tăng 12.400 lượt (tương ứng 16,8%) so với năm 2023.", "16,8", "86400", "74000"),
    ("change sized against its figure", "Sản lượng thủy sản đạt 52.800 tấn, tăng 2.800 tấn, tăng 5,6% so với cùng kỳ.", "5,6", "52800", "50000"),
    ("change sized against its figure", "Đàn lợn hiện có 410.000 con, giảm 18.000 con (-4,2%) so với cùng thời điểm năm trước.", "4,2", "410000", "428000"),
    ("share of the whole its part was broken out of", "Tổng số học sinh toàn tỉnh 186.400 em, tăng 2,1%; trong đó học sinh dân tộc thiểu số 64.500 em, chiếm 34,6%.", "34,6", "64500", "186400"),
    ("share of the whole its part was broken out of", "Tổng vốn đầu tư thực hiện 9 tháng đạt 24.860 tỷ đồng, bằng 72% kế hoạch năm, trong đó vốn khu vực nhà nước 6.210 tỷ đồng, chiếm 25% tổng vốn.", "25", "6210e9", "24860e9"),
    ("share of the whole its part was broken out of", "Đã cấp 12.450 thẻ bảo hiểm y tế, gồm 8.960 thẻ cho người thuộc hộ nghèo, chiếm 72%, và 3.490 thẻ cho trẻ em.", "72", "8960", "12450"),
    ("share of the whole its part was broken out of", "Tổng dư nợ cho vay đạt 61.300 tỷ đồng; trong đó dư nợ ngắn hạn 35.550 tỷ đồng, chiếm tỷ trọng 58%; dư nợ trung và dài hạn 25.750 tỷ đồng, chiếm tỷ trọng 42%.", "58", "35550e9", "61300e9"),
    ("share of the whole its part was broken out of", "Tổng dư nợ cho vay đạt 61.300 tỷ đồng; trong đó dư nợ ngắn hạn 35.550 tỷ đồng, chiếm tỷ trọng 58%; dư nợ trung và dài hạn 25.750 tỷ đồng, chiếm tỷ trọng 42%.", "42", "25750e9", "61300e9"),
    ("rate against its planned rate", "Tỷ lệ trẻ em dưới 1 tuổi được tiêm chủng đầy đủ đạt 98,5%, bằng 100,5% kế hoạch (kế hoạch 98%).", "100,5", "98.5", "98"),
    ("rate against its planned rate", "Tỷ lệ hộ dân được sử dụng nước sinh hoạt hợp vệ sinh đạt 96,4%, đạt 101,5% chỉ tiêu (chỉ tiêu: 95%).", "101,5", "96.4", "95"),
    ("rate against its planned rate", "Tỷ lệ lao động qua đào tạo đạt 68%, bằng 97,1% KH (KH 70%); tỷ lệ thất nghiệp 2,1%.", "97,1", "68", "70"),
    ("rate against its planned rate", "Tỷ lệ thu gom rác thải ở đô thị ước đạt 92%, đạt 102,2% kế hoạch năm (kế hoạch 90%).", "102,2", "92", "90"),
    ("rate's change against its earlier rate", "Tỷ lệ che phủ rừng đạt 62,5%, tăng 0,5% so với năm 2022 (62%).", "0,5", "62.5", "62"),
    ("rate's change against its earlier rate", "Tỷ lệ che phủ rừng đạt 62,5%, tăng 0,8% so với năm 2022 (62%).", "0,8", "62.5", "62"),
    ("rate's change against its earlier rate", "Tỷ lệ tham gia bảo hiểm y tế đạt 93,5%, tăng 1,2% so với cùng kỳ (92,3%).", "1,2", "93.5", "92.3"),
    ("rate's change against its earlier rate", "Tỷ lệ tăng dân số tự nhiên 1,05%, giảm 0,05% so với năm trước (1,1%).", "0,05", "1.05", "1.1"),
    ("rate whose population is stated elsewhere", "Năm học này toàn huyện có 3.420 học sinh lớp 9. Số học sinh tốt nghiệp THCS là 3.386 học sinh, tỷ lệ 99%.", "99", "3386", "3420"),
    ("rate whose population is stated elsewhere", "Tổng số người tham gia bảo hiểm y tế trên địa bàn là 285.600 người. Trong đó người thuộc hộ nghèo 21.400 người, chiếm 7,5%.", "7,5", "21400", "285600"),
    ("rate whose population is stated elsewhere", "Đã khám sàng lọc cho 1.840 người cao tuổi; phát hiện 322 người mắc bệnh tăng huyết áp, tỷ lệ 17,5%.", "17,5", "322", "1840"),
    ("rate whose population is stated elsewhere", "Trên địa bàn có 742 cơ sở sản xuất kinh doanh thực phẩm. Qua kiểm tra 215 cơ sở, phát hiện 19 cơ sở vi phạm, tỷ lệ 8,8%.", "8,8", "19", "215"),
]


@pytest.mark.parametrize("family, text, percent, value, plan", FAMILIES,
                         ids=[f"{f}/{i}" for i, (f, *_rest) in enumerate(FAMILIES, 1)])
def test_family_variant(family, text, percent, value, plan):
    fact = percent_fact(text, percent)
    assert (fact.value, fact.plan) == (Decimal(value), Decimal(plan)), fact





# Percents whose base is not named and cannot be told: they keep no base, so no check can flag them.
UNPAIRED = [
    ("same period, not the total", "Các địa phương đã gieo trồng được 331,7 ngàn ha cây vụ đông, bằng 98,3% cùng kỳ, trong đó cây ngô đạt 137,3 ngàn ha bằng 95,7%.", "95,7"),
    ("growth without last year's figure", "Kim ngạch xuất khẩu 9 tháng đạt 5,3 tỷ USD, tăng 12% so với cùng kỳ.", "12"),
    ("a part's rate is not a population", "Số hộ nghèo là 242 hộ, tỷ lệ 1,97%; hộ cận nghèo 121 hộ, tỷ lệ 0,98%.", "0,98"),
    ("a plan of another kind", "Cục Hải quan thu đạt 113.753 tỷ đồng, vượt chỉ tiêu dự toán (108.800 tỷ đồng), đạt 100,76% chỉ tiêu phấn đấu.", "100,76"),
    ("a bracket of parts", "Thu hút 8,1 triệu lượt khách, tăng 11,8% so với cùng kỳ (trong đó 131.000 lượt khách quốc tế).", "11,8"),
    ("a change and a percent of other periods", "Dư nợ đạt 45.600 tỷ đồng, tăng 3.200 tỷ đồng so với đầu năm, tăng 8,1% so với cùng kỳ.", "8,1"),
    ("a change whose figure is not told", "Năm 2023 xảy ra 45 vụ tai nạn giao thông; so với năm 2022 giảm 5 vụ (14%).", "14"),
    ("a bracket of another unit", "Ước đạt 782,7 tỷ đồng, bằng 59,8% kế hoạch (bao gồm cả 2 lần vốn ứng trước).", "59,8"),
]


@pytest.mark.parametrize("case, text, percent", UNPAIRED, ids=[c for c, *_ in UNPAIRED])
def test_a_percent_whose_base_cannot_be_told_keeps_none(case, text, percent):
    assert percent_fact(text, percent).plan is None


def cells(*rows: tuple, separated: bool = False) -> str:
    """A table flattened one cell per line, as converters print it (with "|" lines between cells when
    `separated`, an empty cell between rows)."""
    if not separated:
        return "\n".join(str(cell) for row in rows for cell in row)
    return "\n".join("|\n" + "\n|\n".join(str(cell) for cell in row) + "\n|" for row in rows)


# Tables flattened one cell per line: the percent cell of each row gets its row's figure and base, found
# by what the columns say of each other in the other rows (extract/facts/relations.py).
FLATTENED = [
    ("one cell per line", cells(("Địa phương", "Số hồ sơ tiếp nhận", "Đã giải quyết", "Tỷ lệ"),
                                ("Thanh Hóa", "1.845", "1.790", "97,0%"), ("Nghệ An", "1.620", "1.555", "96,0%"),
                                ("Hà Tĩnh", "980", "941", "96,0%"), ("Quảng Bình", "760", "703", "92,5%")),
     "97,0", "1790", "1845"),
    ("one cell per line", cells(("STT", "Đơn vị", "Kế hoạch", "Thực hiện", "Tỷ lệ (%)"),
                                ("1", "Phòng Nội vụ", "120", "114", "95,0"), ("2", "Phòng Tư pháp", "80", "72", "90,0"),
                                ("3", "Phòng Y tế", "60", "57", "95,0"), ("4", "Phòng Giáo dục", "200", "170", "85,0")),
     "90,0", "72", "80"),
    ("one cell per line", cells(("Huyện", "Tổng số hộ", "Hộ nghèo", "Tỷ lệ hộ nghèo"),
                                ("Huyện A", "12.400", "620", "5,0%"), ("Huyện B", "9.850", "1.182", "12,0%"),
                                ("Huyện C", "15.300", "459", "3,0%"), separated=True),
     "12,0", "1182", "9850"),
    ("one cell per line", cells(("Tỉnh", "Tổng số", "Đã công bố", "Tỷ lệ"),
                                ("Tỉnh Một", "2.210", "2.188", "99.0%"), ("Tỉnh Hai", "1.940", "1.843", "95.0%"),
                                ("Tỉnh Ba", "2.075", "1.992", "96.0%"), ("Tỉnh Bốn", "1.860", "1.767", "95.0%"), separated=True),
     "99.0", "2188", "2210"),
    ("one cell per line", cells(("Xã", "Số trẻ cân đo", "Suy dinh dưỡng", "Tỷ lệ (%)"),
                                ("Xã Đông", "412", "33", "8,0"), ("Xã Tây", "385", "27", "7,0"),
                                ("Xã Nam", "520", "52", "10,0"), ("Xã Bắc", "298", "18", "6,0")),
     "10,0", "52", "520"),
]


@pytest.mark.parametrize("family, text, percent, value, plan", FLATTENED,
                         ids=[f"{f}/{i}" for i, (f, *_rest) in enumerate(FLATTENED, 1)])
def test_flattened_table_variant(family, text, percent, value, plan):
    wanted = Decimal(percent.replace(",", "."))
    facts = [f for f in process_document(document_from_text(text), default_rulebook(), "sha").facts if f.percent == wanted]
    assert any((f.value, f.plan) == (Decimal(value), Decimal(plan)) for f in facts), facts


def test_every_family_has_five_variants_with_the_examples():
    families = ([f for f, *_ in FAMILIES] + [e["family"] for e in default_rulebook().frames.examples]
                + [f for f, *_ in FLATTENED])
    assert len(set(families)) == 13
    assert all(families.count(f) >= 5 for f in set(families)), sorted((families.count(f), f) for f in set(families))
