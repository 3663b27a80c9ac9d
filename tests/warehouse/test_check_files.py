"""A check is defined by its own file: its header and query are validated when the checks are loaded,
every problem at once as `file:line: what`, and its `after:` orders the run."""
import shutil
from pathlib import Path

import pytest

from warehouse.checks import CHECKS_DIR, CheckError, load_checks, read_checks, type_titles


@pytest.fixture()
def checks_dir(tmp_path) -> Path:
    """A copy of the project's check files and macros, to break."""
    folder = tmp_path / "checks"
    shutil.copytree(CHECKS_DIR, folder)
    return folder


def edit(folder: Path, code: str, old: str, new: str) -> tuple[str, int]:
    """Replace `old` by `new` once in a check file; its name and the line the change is on."""
    (path,) = folder.glob(f"{code}_*.sql")
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path.name, text[:text.index(old)].count("\n") + 1


def refusal(folder: Path) -> str:
    with pytest.raises(CheckError) as refused:
        load_checks(folder)
    return str(refused.value)


def codes(checks) -> list[str]:
    return [c.code for c in checks]


def test_the_project_checks_load_bound_in_code_order_with_ck90_last():
    checks = load_checks()
    assert codes(checks)[-1] == "CK90" and codes(checks) == sorted(codes(checks))
    assert all(set(c.columns) >= {"check_type", "status", "fact_ids", "message"} for c in checks)
    assert all(c.title and c.type for c in checks)


def test_a_syntax_error_is_named_by_file_and_line(checks_dir):
    # after the Vietnamese of the header and of the messages: DuckDB counts this position in characters
    name, line = edit(checks_dir, "CK01", "\nfrom computed", "\nfrm computed")
    assert f"{name}:{line + 1}: Parser Error: syntax error at or near \"frm\"" in refusal(checks_dir)


def test_an_unknown_column_is_named_with_its_line(checks_dir):
    name, line = edit(checks_dir, "CK90", "f.percent                          as reported",
                      "f.percentage                       as reported")
    message = refusal(checks_dir)
    assert f"{name}:{line}: Binder Error: " in message and '"percentage"' in message


def test_an_unknown_column_after_vietnamese_text_is_on_its_line(checks_dir):
    # a binder error's position counts bytes: "Tỷ lệ in" before it must not shift the line
    name, line = edit(checks_dir, "CK01", "\nfrom computed", "\nfrom computed\nwhere nope > 0")
    assert f"{name}:{line + 2}: Binder Error: " in refusal(checks_dir)


def test_a_missing_output_column_is_named_at_the_start_of_the_query(checks_dir):
    name, _ = edit(checks_dir, "CK35", "as message", "as note")
    start = next(n for n, text in enumerate((checks_dir / name).read_text().splitlines(), 1) if not text.startswith("--"))
    assert f"{name}:{start}: query lacks output columns message" in refusal(checks_dir)


def test_every_problem_is_listed_at_once(checks_dir):
    first, _ = edit(checks_dir, "CK01", "\nfrom computed", "\nfrm computed")
    second, _ = edit(checks_dir, "CK20", "-- severity: error", "-- severity: fatal")
    third, _ = edit(checks_dir, "CK35", "as message", "as note")
    fourth, _ = edit(checks_dir, "CK11", "-- title:    Tổng các phần", "-- title:    Cơ cấu")
    message = refusal(checks_dir)
    assert all(f"{name}:" in message for name in (first, second, third, fourth))


def test_a_broken_macro_is_named_by_its_line(checks_dir):
    macros = checks_dir / "macros.sql"
    text = macros.read_text(encoding="utf-8")
    macros.write_text(text.replace("'mismatch' end;", "'mismatch' nd;"), encoding="utf-8")
    line = text[:text.index("'mismatch' end;")].count("\n") + 1
    assert f"macros.sql:{line}: Parser Error" in refusal(checks_dir)


def test_after_orders_the_run_ties_by_code(checks_dir):
    edit(checks_dir, "CK01", "-- rank:     10\n", "-- rank:     10\n-- after:    CK35, CK20\n")
    assert codes(load_checks(checks_dir)) == ["CK02", "CK10", "CK11", "CK15", "CK20", "CK30", "CK35", "CK01",
                                              "CK40", "CK90"]


def test_ck90_runs_after_the_others_because_its_header_says_so(checks_dir):
    (path,) = checks_dir.glob("CK90_*.sql")
    path.rename(checks_dir / "CK05_unverifiable_claims.sql")
    edit(checks_dir, "CK05", "-- code:     CK90", "-- code:     CK05")
    assert codes(load_checks(checks_dir))[-1] == "CK05"
    name, _ = edit(checks_dir, "CK05", "-- after:    * (it lists only the claims no check run before it has cited)\n", "")
    text = (checks_dir / name).read_text(encoding="utf-8")
    line = text[:text.index("from _new_checks")].count("\n") + 1
    assert f"{name}:{line}: reads _new_checks (the rows of the checks run before it) but names none in 'after:'" \
        in refusal(checks_dir)


def test_a_cycle_of_after_is_refused(checks_dir):
    name, line = edit(checks_dir, "CK10", "-- rank:     30\n", "-- rank:     30\n-- after:    CK11\n")
    edit(checks_dir, "CK11", "-- rank:     30\n", "-- rank:     30\n-- after:    CK35 (the counts first)\n")
    edit(checks_dir, "CK35", "-- rank:     60\n", "-- rank:     60\n-- after:    CK10\n")
    assert f"{name}:{line + 1}: after: CK10 → CK11 → CK35 → CK10 is a cycle" in refusal(checks_dir)


@pytest.mark.parametrize("after, why", [("CK07", "unknown check CK07"), ("CK10", "CK10 is this check itself")])
def test_after_names_known_other_checks(checks_dir, after, why):
    name, line = edit(checks_dir, "CK10", "-- rank:     30\n", f"-- rank:     30\n-- after:    {after}\n")
    assert f"{name}:{line + 1}: after: {why}" in refusal(checks_dir)


def test_checks_of_one_type_agree_on_its_title(checks_dir):
    name, line = edit(checks_dir, "CK11", "-- title:    Tổng các phần", "-- title:    Cơ cấu")
    assert f"{name}:{line}: title 'Cơ cấu' of type sum differs from 'Tổng các phần'" in refusal(checks_dir)


def test_the_types_titles_and_their_order_in_the_report_come_from_the_check_files():
    assert list(type_titles(read_checks()).items()) == [
        ("percent", "Tỷ lệ %"), ("plan_lookup", "Tra kế hoạch"), ("sum", "Tổng các phần"),
        ("cross", "Hai nơi khác nhau"), ("label", "Nhãn đánh giá"), ("count", "Số đếm"), ("growth", "Tăng trưởng"),
        ("cross_report", "Giữa các báo cáo")]
