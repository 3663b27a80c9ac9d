"""Bad input through the real CLI: every file that cannot be a report gets one line
`error: <path>: <problem>: <what to do>`, the exit code is 1, nothing of it reaches the warehouse,
the good files of the same batch are ingested, and memory stays bounded (a 300 MB file is refused
by its size, never read). The corpus is generated in tmp; nothing large is committed.
"""
from __future__ import annotations

import builtins
import ctypes
import errno
import functools
import re
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from extract.rulebook import default_rulebook
from extract.reading.limits import Limits
from extract.reading.errors import ReadError
from extract.document import process_file
from pipeline.run import hash_file

from conftest import ROOT, run_cli
from pdfgen import build_pdf, image_page, text_page

MB = 1 << 20
RSS_CEILING_MB = 700          # an ingest of the sample peaks near 200 MB; reading 300 MB would pass this
GOOD_TEXT = ("UBND HUYỆN YÊN THẠCH\n\nBÁO CÁO\n\nTình hình kinh tế - xã hội năm 2024\n\n"
             "Thu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.\n"
             "Diện tích chuyển đổi cơ cấu cây trồng thực hiện 7,72/6ha đạt 128,6% KH.\n")
PDF_TEXT = text_page("Ty le ho ngheo giam con 5,2% so voi nam truoc.", "Thu ngan sach dat 95,5% KH.")


def junk_docx() -> bytes:
    """A zip named .docx that holds no Word document."""
    path = Path(tempfile.mkstemp(suffix=".zip")[1])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("junk.bin", os.urandom(2000))
        archive.writestr("notes.txt", "not a report")
    data = path.read_bytes()
    path.unlink()
    return data


# file name -> (content, the message expected after "error: <path>: "); None: ingested.
BAD_FILES = {
    "empty.txt": (b"", r"file is empty \(0 bytes\): get the complete report and ingest again$"),
    "zero.pdf": (b"", r"file is empty \(0 bytes\): get the complete report and ingest again$"),
    "random.pdf": (bytes(range(1, 256)) * 40, r"not a PDF \(no %PDF- header; unknown content\): get the report as a PDF"),
    "page.pdf": (b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not found</body></html>\n",
                 r"not a PDF but a web page \(HTML\) with a .pdf name: download the PDF itself"),
    "truncated.pdf": (build_pdf([PDF_TEXT] * 3)[:700], r"PDF is truncated \(its end is missing\): .*get a complete copy"),
    "locked.pdf": (build_pdf([PDF_TEXT], user_password=b"secret"),
                   "PDF is encrypted: remove the password and ingest again"),
    # read by OCR where Tesseract is installed (it finds no text on a grey square), refused where it is not
    "scan.pdf": (build_pdf([image_page()]), "no text layer(; OCR needed: .*run OCR|, and OCR found no text on its 1 "
                                            r"page\(s\) \(blank, or a picture without writing\))"),
    "pages.pdf": (build_pdf([text_page("1")], pages=3000),
                  r"document has too many pages \(3000, the limit is 1000\): .*--max-pages or \$SOLIEU_MAX_PAGES"),
    "junk.docx": (junk_docx(), r"not a Word .docx file \(a zip archive without word/document.xml\): open it in Word"),
    "russian.txt": ("Отчёт о социально-экономическом развитии района за 2023 год, рост 5,2%.\n".encode("koi8-r") * 20,
                    r"text is in an unknown encoding \(not UTF-8, UTF-16, Windows-1258, TCVN3 or VNI\): .*save it as UTF-8"),
    "nul.txt": (GOOD_TEXT.encode()[:60] + b"\0\0\0" + GOOD_TEXT.encode()[60:],
                "file has NUL bytes but is not UTF-16 text: it looks like a binary file"),
    "huge.txt": (None, r"file is too large \(300 MB, the limit is 50 MB\): .*--max-bytes or \$SOLIEU_MAX_BYTES"),
    "folder.pdf": (None, "is a folder, not a report file: give the file itself, or rename the folder"),
    "loop.txt": (None, r"symbolic link loop \(the link leads back to itself\): point it at the report file"),
    "unreadable.txt": (GOOD_TEXT.replace("YÊN THẠCH", "KIM SƠN").encode(),
                       r"permission denied: this user may not read the file; make it readable \(chmod a\+r\)"),
}
GOOD_FILES = {
    "good.txt": GOOD_TEXT,
    "báo cáo quý 1.txt": GOOD_TEXT.replace("2024", "2023"),
    "it's \"quoted\" copy.txt": GOOD_TEXT.replace("YÊN THẠCH", "YÊN BÌNH"),
    "-dash.txt": GOOD_TEXT.replace("YÊN THẠCH", "YÊN LẠC"),
    "owner-password-only.pdf": build_pdf([PDF_TEXT], user_password=b""),   # opens without a password: ingested
}


PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def drop_read_override() -> None:
    """In the child before exec: give up root's right to read any file (the capabilities
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), so file modes apply to it as to any user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


@functools.cache
def unprivileged() -> dict | None:
    """subprocess arguments under which a chmod 000 file cannot be read: {} for a normal user; for
    root (who reads anything), root without its read override, when the kernel lets us drop it;
    else None."""
    if os.geteuid() != 0:
        return {}
    with tempfile.NamedTemporaryFile() as probe:
        os.chmod(probe.name, 0)
        try:
            result = subprocess.run([sys.executable, "-c", f"open({probe.name!r}).close()"], capture_output=True,
                                    preexec_fn=drop_read_override, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return None
    return {"preexec_fn": drop_read_override} if result.returncode != 0 else None


def write_corpus(batch: Path, with_unreadable: bool) -> dict[str, str]:
    """The bad and good files in `batch`; returns the bad file names with their expected messages."""
    expected = {}
    for name, (content, message) in BAD_FILES.items():
        if name == "unreadable.txt" and not with_unreadable:
            continue
        path = batch / name
        if name == "huge.txt":
            with open(path, "wb") as handle:     # sparse: 300 MB on paper, no disk used
                handle.truncate(300 * MB)
        elif name == "folder.pdf":
            path.mkdir()
        elif name == "loop.txt":
            path.symlink_to(name)
        else:
            path.write_bytes(content)
        expected[name] = message
    for name, text in GOOD_FILES.items():
        (batch / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    if with_unreadable:
        (batch / "unreadable.txt").chmod(0)
    return expected


def run_measured(args: list[str], cwd: Path, **popen) -> tuple[int, str, str, float]:
    """Run the CLI; (exit code, stdout, stderr, peak RSS in MB of it and its children)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=cwd, stdout=out, stderr=err,
                                   text=True, **popen)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        return process.returncode, out.read(), err.read(), usage.ru_maxrss / 1024


def reports_in(warehouse: Path) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for table in ("facts", "checks", "problems", "sentences", "line_map"):
            orphans = con.execute(f"select count(*) from {table} where report_id not in (select report_id from reports)")
            assert orphans.fetchone()[0] == 0, f"rows of {table} without their report"
        return {source for (source,) in con.execute("select source_path from reports").fetchall()}
    finally:
        con.close()


def test_a_batch_of_bad_files_names_each_and_ingests_the_good_ones(tmp_path):
    privileges = unprivileged()
    batch, warehouse = tmp_path / "batch", tmp_path / "w.duckdb"
    batch.mkdir()
    expected = write_corpus(batch, with_unreadable=privileges is not None)
    try:
        code, out, err, rss = run_measured(["ingest", "--warehouse", str(warehouse), "--", str(batch)], ROOT,
                                           **(privileges or {}))
    finally:
        (batch / "huge.txt").unlink()
        if privileges is not None:
            (batch / "unreadable.txt").chmod(0o644)
    assert code == 1, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    for name, message in expected.items():
        prefix = f"error: {batch / name}: "
        mine = [line for line in lines if line.startswith(prefix)]
        assert len(mine) == 1, f"{name}: expected one line, got {mine}"
        assert re.match(message, mine[0][len(prefix):]), f"{name}: {mine[0]}"
    assert len(lines) == len(expected), "\n".join(lines)
    assert reports_in(warehouse) == {str(batch / name) for name in GOOD_FILES}
    assert f"{len(GOOD_FILES)} ingested, 0 skipped, {len(expected)} failed" in out
    assert rss < RSS_CEILING_MB, f"peak RSS {rss:.0f} MB"


@pytest.mark.skipif(os.geteuid() == 0 and unprivileged() is None,
                    reason="running as root without the right to drop CAP_DAC_OVERRIDE: root reads a chmod 000 "
                           "file, so only the unit test below covers the permission message")
def test_an_unreadable_file_is_named_with_what_to_do(tmp_path):
    """Covered inside the batch above as well; this one runs alone so a skip is visible."""
    report = tmp_path / "unreadable.txt"
    report.write_text(GOOD_TEXT, encoding="utf-8")
    report.chmod(0)
    result = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(report), "--warehouse",
                             str(tmp_path / "w.duckdb")], cwd=ROOT, capture_output=True, text=True,
                            **unprivileged())
    report.chmod(0o644)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"error: {report}: permission denied: this user may not read the file; "
                                     f"make it readable (chmod a+r) and ingest again")


def test_permission_denied_message_when_open_fails(tmp_path, monkeypatch):
    """The message path without relying on file modes (root reads a chmod 000 file)."""
    report = tmp_path / "report.txt"
    report.write_text(GOOD_TEXT, encoding="utf-8")
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):
        if Path(file) == report:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    assert hash_file(report, Limits()) == (None, "permission denied: this user may not read the file; make it "
                                                 "readable (chmod a+r) and ingest again")


def test_a_path_starting_with_a_dash_is_a_file_after_double_dash(tmp_path):
    (tmp_path / "-x.txt").write_text(GOOD_TEXT, encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    result = subprocess.run([sys.executable, "-m", "pipeline", "ingest", "--warehouse", str(warehouse), "--", "-x.txt"],
                            cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert "ingested -x.txt as -x" in result.stdout
    assert reports_in(warehouse) == {"-x.txt"}


def test_a_missing_path_and_an_empty_folder_are_named(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("ingest", "--warehouse", str(tmp_path / "w.duckdb"), str(tmp_path / "nope.pdf"),
                     str(tmp_path / "empty"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: {tmp_path / 'nope.pdf'}: no such file or folder: check the path",
        f"error: {tmp_path / 'empty'}: folder holds no report files (.pdf, .docx, .txt, .md): check the path"]


def test_limits_come_from_options_then_environment(tmp_path):
    """An option beats the environment, which beats the default; a value that is no number is exit 2."""
    report = tmp_path / "ten_pages.pdf"
    report.write_bytes(build_pdf([PDF_TEXT], pages=10))
    warehouse = str(tmp_path / "w.duckdb")
    env = {**os.environ, "SOLIEU_MAX_PAGES": "5"}
    refused = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(report), "--warehouse", warehouse],
                             cwd=ROOT, capture_output=True, text=True, env=env)
    assert refused.returncode == 1
    assert "document has too many pages (10, the limit is 5)" in refused.stderr
    allowed = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(report), "--warehouse", warehouse,
                              "--max-pages", "20"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert allowed.returncode == 0, allowed.stderr
    assert reports_in(Path(warehouse)) == {str(report)}
    wrong = run_cli("ingest", str(report), "--warehouse", warehouse, "--max-facts", "many")
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == "error: --max-facts: 'many' is not a number (e.g. 2000, 50M or 1G)"


@pytest.mark.parametrize("limits, message", [
    (Limits(max_bytes=100), "file is too large ("),
    (Limits(max_page_chars=50), "page 1 has too many characters ("),
    (Limits(max_facts=1), "report yields too many facts (2, the limit is 1)"),
], ids=["bytes", "page_chars", "facts"])
def test_each_limit_refuses_with_its_option_named(tmp_path, limits, message):
    report = tmp_path / "report.txt"
    report.write_text(GOOD_TEXT, encoding="utf-8")
    with pytest.raises(ReadError) as refused:
        process_file(report, default_rulebook(), limits=limits)
    assert str(refused.value).startswith(message) and "raise the limit with --max-" in str(refused.value)


def test_thousands_of_tiny_pages_within_the_limit_take_bounded_time_and_memory(tmp_path):
    report = tmp_path / "pages.pdf"
    report.write_bytes(build_pdf([text_page("Thu ngan sach dat 95,5% KH.")], pages=3000))
    started = time.monotonic()
    code, out, err, rss = run_measured(["ingest", str(report), "--warehouse", str(tmp_path / "w.duckdb"),
                                        "--max-pages", "5000"], ROOT)
    assert code == 0, err
    assert "3000 facts" in out
    assert time.monotonic() - started < 60
    assert rss < RSS_CEILING_MB, f"peak RSS {rss:.0f} MB"
