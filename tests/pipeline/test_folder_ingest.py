"""Ingesting a folder: what it holds besides reports is passed over and counted at the end by reason
(hidden, Office lock file, type not read, notes), never ingested and never a failure; a text with no
figure at all is notes beside the reports in a folder, and refused when named as the report."""
from __future__ import annotations

import duckdb

from conftest import run_cli
from pdfgen import build_pdf, text_page

REPORT = "Thu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.\n"
NOTES = ("Ghi chú\n\nGửi anh Nam: bản báo cáo quý để trong thư mục này, nhớ gửi lại trước ngày 12/3/2024.\n"
         "Liên hệ: 0912 345 678.\n")


def stored(warehouse) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [r[0] for r in con.execute("select report_id from reports order by 1").fetchall()]
    finally:
        con.close()


def test_a_folder_passes_over_what_is_not_a_report_and_says_why(tmp_path):
    folder = tmp_path / "raw"
    (folder / "2023").mkdir(parents=True)
    (folder / "báo cáo quý 1.txt").write_text(REPORT, encoding="utf-8")
    (folder / "2023" / "báo cáo năm.txt").write_text(REPORT.replace("77,66", "77,7"), encoding="utf-8")
    (folder / "ghi chu.txt").write_text(NOTES, encoding="utf-8")
    (folder / "README.md").write_text("# Báo cáo 2023\n\nĐặt báo cáo vào đây.\n", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / ".git").mkdir()
    (folder / ".git" / "stash.txt").write_text(REPORT.replace("201,922", "199"), encoding="utf-8")
    (folder / "~$o cáo quý 2.docx").write_bytes(b"\x08Nguyen Van A" + b"\0" * 140)
    (folder / "bảng số liệu.xlsx").write_bytes(b"PK\3\4")
    (folder / "ảnh.jpg").write_bytes(b"\xff\xd8\xff")
    warehouse = tmp_path / "w.duckdb"

    result = run_cli("ingest", str(folder), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    lines = result.stdout.strip().splitlines()
    assert f"passed over {folder / 'ghi chu.txt'}: notes (no figure in the text); nothing stored" in lines
    summary = lines.index("2 ingested, 0 skipped, 0 failed; 2 facts, 2 checks, 0 mismatches")
    assert lines[summary + 1] == (
        f"passed over 7 entries of the folders, not reports: hidden 2 ({folder}/.git/, {folder / '.DS_Store'}); "
        f"notes 2 ({folder / 'README.md'}, {folder / 'ghi chu.txt'}); "
        f"type not read 2 ({folder / 'bảng số liệu.xlsx'}, {folder / 'ảnh.jpg'}); "
        f"Office lock file 1 ({folder / '~$o cáo quý 2.docx'})")
    assert stored(warehouse) == ["báo cáo năm", "báo cáo quý 1"]

    again = run_cli("ingest", str(folder), "--warehouse", str(warehouse))   # notes are never stored
    assert again.returncode == 0 and "0 ingested, 2 skipped, 0 failed" in again.stdout, again.stdout + again.stderr
    assert stored(warehouse) == ["báo cáo năm", "báo cáo quý 1"]


def test_notes_named_as_the_report_are_refused_in_one_line(tmp_path):
    notes = tmp_path / "ghi chú.txt"
    notes.write_text(NOTES, encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(notes), "--warehouse", str(warehouse))
    assert result.returncode == 1
    assert result.stderr.strip() == (f"error: {notes}: no figure in the text: it reads as notes, not a report; "
                                     f"nothing stored: give the report file itself")
    assert "0 ingested, 0 skipped, 1 failed" in result.stdout
    assert stored(warehouse) == []


def test_a_pdf_without_a_figure_fails_even_in_a_folder(tmp_path):
    """A PDF or Word file was meant as a report: no figure in it means its text could not be read."""
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "cong van.pdf").write_bytes(build_pdf([text_page("Kinh gui cac xa", "De nghi bao cao dung han")]))
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    result = run_cli("ingest", str(folder), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {folder / 'cong van.pdf'}: no figure found in the document, and "
                                    f"nothing is stored: ")
    assert "1 ingested, 0 skipped, 1 failed" in result.stdout
    assert "passed over" not in result.stdout


def run_on_terminal(*args: str) -> tuple[int, str]:
    """`python -m pipeline …` with its stdout on a pseudo-terminal, as a person runs it; (exit code, what it showed)."""
    import os
    import pty
    import subprocess
    import sys

    from conftest import ROOT
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, stdout=follower,
                               stderr=subprocess.PIPE)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:   # EIO: the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    process.wait(timeout=600)
    return process.returncode, shown.decode("utf-8").replace("\r\n", "\n")


def test_ingest_ends_with_where_the_index_and_the_report_pages_are(tmp_path):
    report = tmp_path / "raw" / "báo cáo.txt"
    report.parent.mkdir()
    report.write_text(REPORT, encoding="utf-8")
    warehouse = tmp_path / "kho" / "w.duckdb"
    pages = tmp_path / "kho" / "reports"
    code, shown = run_on_terminal("ingest", str(report), "--warehouse", str(warehouse))
    assert code == 0, shown
    assert shown.rstrip("\n").splitlines()[-2:] == [f"index of the reports: {pages / 'index.html'}",
                                                     f"report page: {pages / 'báo cáo.html'}"]
    piped = run_cli("ingest", str(tmp_path / "raw"), "--warehouse", str(tmp_path / "w2.duckdb"))   # a log too
    assert f"index of the reports: {tmp_path / 'reports' / 'index.html'}" in piped.stdout
