"""Seconds per page of the PDF reader against its floor and against pdfplumber.

    .venv/bin/python -m pipeline.bench_pdf raw_reports/report.pdf [--repeat 3]

- floor: bare pypdfium2, one pass over every character reading its text, size and box: no
  reader can get the characters faster;
- read_pdf: our reader (PDFium for characters, pdfplumber only on pages with ruled tables);
- pdfplumber: `page.extract_text()` on every page, the plain alternative.

Each is timed `--repeat` times and the best run is kept (pdfplumber once, it is slow).
"""
from __future__ import annotations

import argparse
import ctypes
import sys
import time
from pathlib import Path


def extract_chars_bare(path: Path) -> int:
    """Every character's text, font size and box with PDFium and nothing else; returns pages.

    The per-character calls are made as the reader makes them (extract.read_pdf.char_calls)."""
    import pypdfium2 as pdfium
    from extract.reading.pdf import char_calls
    count, get_unicode, _, get_size, _, _, get_box = char_calls()
    pdf = pdfium.PdfDocument(str(path))
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    edges = [ctypes.pointer(value) for value in (left, right, bottom, top)]
    chars = []
    try:
        for index in range(len(pdf)):
            textpage = pdf[index].get_textpage()  # keep a reference: it closes when collected
            raw = textpage.raw
            for i in range(count(raw)):
                get_box(raw, i, *edges)
                chars.append((chr(get_unicode(raw, i)), get_size(raw, i), left.value, bottom.value, right.value,
                              top.value))
        return len(pdf)
    finally:
        pdf.close()


def read_with_reader(path: Path) -> int:
    from extract.reading.pdf import read_pdf
    return read_pdf(path).pages


def extract_text_pdfplumber(path: Path) -> int:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
        return len(pdf.pages)


def time_best(run, path: Path, repeat: int) -> tuple[float, int]:
    """Best wall time of `repeat` runs, and the page count the run reported."""
    best, pages = float("inf"), 0
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        pages = run(path)
        best = min(best, time.perf_counter() - start)
    return best, pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench_pdf", description=__doc__.split("\n")[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.pdf.is_file():
        print(f"no such file: {args.pdf}", file=sys.stderr)
        return 2
    floor, pages = time_best(extract_chars_bare, args.pdf, args.repeat)
    ours, _ = time_best(read_with_reader, args.pdf, args.repeat)
    plumber, _ = time_best(extract_text_pdfplumber, args.pdf, 1)
    pages = max(pages, 1)
    print(f"{args.pdf.name}: {pages} pages")
    for name, seconds in (("pypdfium2 per-char (floor)", floor), ("read_pdf (ours)", ours),
                          ("pdfplumber extract_text", plumber)):
        print(f"  {name:<28} {seconds / pages:8.4f} s/page  {seconds / floor:5.1f}x floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
