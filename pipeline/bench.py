"""Throughput benchmark: the whole ingest on a generated corpus, beside the floors it cannot beat.

    python -m pipeline bench [--reports 100] [--pdfs 20] [--scans 1] [--repeat N] [--keep DIR]

The corpus is made from the samples: text reports (raw_reports/ and ../shared/reports/) copied
with one unique closing line each, and PDFs (../shared/pdf/) copied with a unique comment after
their trailer, so no copy is skipped as already ingested. The ingest runs as a user runs it,
`python -m pipeline ingest <dir> --warehouse <tmp> --timings` in a subprocess, interpreter start
included. The floors are what no ingest can beat on the same files:
  - text: read the bytes, decode, NFC, and one compiled number pattern over the text;
  - PDF: PDFium handing over every character with its size and box (pypdfium2's library, nothing
    else; its functions called as the reader calls them, extract.read_pdf.char_calls).
  - scanned PDFs (../shared/pdf/*.scanned.pdf, read by OCR): each page rendered at 300 dpi by PDFium
    and read by Tesseract alone (plain TSV, one thread per process, as many processes as cores): what
    our reading adds (straightening, rulings, table cells and superscripts read apart) is beyond it.
    A scan's time goes with its pages, so its rate is seconds per page, wall and CPU.
Peak RSS is the largest process of the ingest (the writer or a worker), from wait4's rusage.
Beside the ingest, the same folder goes through `lake` on a local Dask cluster of one worker per core
and `lake-load` into a new warehouse (docs/scale.md): the wall time of both commands, the cluster's
start-up included, as a user runs them.
`--repeat N` (make bench: 3) shows the fastest of N runs of each floor and each ingest. The PDF
corpus is 20 copies by default: with a few PDFs on two workers the run mostly measures the start-up
(half a second) and the last file read alone while the other core waits.
A benchmark, not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.bench_pdf import extract_chars_bare
from pipeline.timing import STAGES, parse_timings

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"\d++(?:[.,]\d++)*+"          # the rules' {num}, without its guards


@dataclass
class Corpus:
    texts: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    text_bytes: int = 0
    pdf_pages: int = 0
    scans: list[Path] = field(default_factory=list)
    scan_pages: int = 0


@dataclass
class Run:
    """One `pipeline ingest` subprocess: wall seconds, peak RSS of its largest process, its output."""
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float   # user + system time of the ingest and all its workers
    returncode: int
    stdout: str
    stderr: str

    @property
    def timings(self) -> dict[str, float]:
        return parse_timings(self.stderr)


# ---------------------------------------------------------------- corpus

class NothingToBench(Exception):
    """No sample to build a corpus from: the message says where the bench looked."""


def find_scans(shared: Path) -> list[Path]:
    """The scanned sample PDFs (no text layer: read by OCR)."""
    return sorted((shared / "pdf").glob("*.scanned.pdf"))


def copy_scans(out: Path, scans: list[Path], n_scans: int, corpus: Corpus) -> None:
    """n_scans copies of the scans into out/scan, each distinct by hash, as build_corpus copies PDFs."""
    if not (n_scans and scans):
        return
    import pypdfium2 as pdfium
    (out / "scan").mkdir(parents=True, exist_ok=True)
    for i in range(n_scans):
        source = scans[i % len(scans)]
        target = out / "scan" / f"{source.stem}_{i:04d}.pdf"
        target.write_bytes(source.read_bytes() + f"%bench copy {copy_tag(i)}\n".encode())
        corpus.scans.append(target)
        pdf = pdfium.PdfDocument(str(target))
        corpus.scan_pages += len(pdf)
        pdf.close()


def time_scan_floor(paths: list[Path]) -> tuple[float, float]:
    """Render every page at 300 dpi and read it with Tesseract alone (TSV), as many pages at once as
    cores: (wall seconds, CPU seconds of the Tesseract processes)."""
    import resource
    from concurrent.futures import ThreadPoolExecutor
    import pypdfium2 as pdfium
    from extract.reading.ocr import find_tesseract, render_page, usable_cores
    tesseract, _ = find_tesseract()
    if tesseract is None:
        return 0.0, 0.0
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def read(image) -> None:
        height, width = image.shape
        subprocess.run([tesseract.path, "stdin", "stdout", "-l", "vie", "--dpi", "300", "tsv"],
                       input=b"P5\n%d %d\n255\n" % (width, height) + image.tobytes(), capture_output=True, env=env)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with ThreadPoolExecutor(usable_cores()) as pool:
        for path in paths:
            pdf = pdfium.PdfDocument(str(path))
            list(pool.map(read, (render_page(pdf[i]) for i in range(len(pdf)))))
            pdf.close()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def find_sources(root: Path, shared: Path) -> tuple[list[Path], list[Path]]:
    """The sample text reports (distinct contents, sorted) and sample PDFs with a text layer."""
    texts, seen = [], set()
    for path in sorted((root / "raw_reports").glob("*.txt")) + sorted((shared / "reports").glob("*.txt")):
        data = path.read_bytes()
        if data not in seen and not path.stem.upper().startswith("README"):
            seen.add(data)
            texts.append(path)
    pdfs = [p for p in sorted((shared / "pdf").glob("*.pdf")) if ".scanned" not in p.name]
    return texts, pdfs


def describe_sources(root: Path, shared: Path, texts: list[Path], pdfs: list[Path]) -> str:
    """Where the samples were looked for, and how many each place gave.

    >>> describe_sources(Path("/code"), Path("/nowhere"), [Path("/code/raw_reports/a.txt")], [])
    'samples: 1 text report from /code/raw_reports (missing), 0 from /nowhere/reports (missing); 0 PDFs from /nowhere/pdf (missing)'
    """
    def place(folder: Path) -> str:
        return f"{folder}{'' if folder.is_dir() else ' (missing)'}"
    own = sum(path.parent == root / "raw_reports" for path in texts)
    return (f"samples: {own} text report{'s' if own != 1 else ''} from {place(root / 'raw_reports')}, "
            f"{len(texts) - own} from {place(shared / 'reports')}; "
            f"{len(pdfs)} PDF{'s' if len(pdfs) != 1 else ''} from {place(shared / 'pdf')}")


def copy_tag(number: int) -> str:
    """Letters only, so the unique line adds no figure: 0 -> 'a', 25 -> 'z', 26 -> 'aa'.

    >>> copy_tag(0), copy_tag(25), copy_tag(26), copy_tag(701)
    ('a', 'z', 'aa', 'zz')
    """
    tag, number = "", number + 1
    while number:
        number, rest = divmod(number - 1, 26)
        tag = string.ascii_lowercase[rest] + tag
    return tag


def build_corpus(out: Path, texts: list[Path], pdfs: list[Path], n_texts: int, n_pdfs: int) -> Corpus:
    """Write n_texts text copies into out/text and n_pdfs PDF copies into out/pdf, each distinct by hash."""
    corpus = Corpus()
    (out / "text").mkdir(parents=True, exist_ok=True)
    for i in range(n_texts if texts else 0):
        source = texts[i % len(texts)]
        target = out / "text" / f"{source.stem}_{i:04d}.txt"
        body = source.read_text(encoding="utf-8").rstrip("\n")
        target.write_text(f"{body}\n\nBench copy {copy_tag(i)}.\n", encoding="utf-8")
        corpus.texts.append(target)
        corpus.text_bytes += target.stat().st_size
    if n_pdfs and pdfs:
        (out / "pdf").mkdir(parents=True, exist_ok=True)
    for i in range(n_pdfs if pdfs else 0):
        source = pdfs[i % len(pdfs)]
        target = out / "pdf" / f"{source.stem}_{i:04d}.pdf"
        target.write_bytes(source.read_bytes() + f"%bench copy {copy_tag(i)}\n".encode())
        corpus.pdfs.append(target)
    return corpus


# ---------------------------------------------------------------- floors

def time_text_floor(paths: list[Path]) -> float:
    """Read + decode + NFC + one compiled number pattern over every text file: the text floor."""
    import regex
    pattern = regex.compile(NUMBER)
    started = time.perf_counter()
    for path in paths:
        text = unicodedata.normalize("NFC", path.read_bytes().decode("utf-8"))
        pattern.findall(text)
    return time.perf_counter() - started


def time_pdf_floor(paths: list[Path]) -> tuple[float, int]:
    """PDFium per-character extraction over every PDF: (seconds, pages)."""
    from extract.reading.pdf import char_calls
    char_calls()   # imports PDFium and declares its functions before the clock starts
    started, pages = time.perf_counter(), 0
    for path in paths:
        pages += extract_chars_bare(path)
    return time.perf_counter() - started, pages


# ---------------------------------------------------------------- the ingest, as a user runs it

def supports_timings(code: Path) -> bool:
    """Does this checkout's ingest know --timings? (An older one, benched for comparison, may not.)"""
    result = subprocess.run([sys.executable, "-m", "pipeline", "ingest", "--help"], cwd=code,
                            capture_output=True, text=True)
    return "--timings" in result.stdout


def run_ingest(folder: Path, warehouse: Path, code: Path, timings: bool = True) -> Run:
    """`python -m pipeline ingest folder --warehouse warehouse` in a subprocess; wall time and peak RSS."""
    command = [sys.executable, "-m", "pipeline", "ingest", str(folder), "--warehouse", str(warehouse)]
    if timings:
        command.append("--timings")
    return run_command_timed(command, code)


def run_command_timed(command: list[str], code: Path) -> Run:
    """A command in a subprocess: its wall time, peak RSS and CPU time (with its children's), its output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=code, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, process.returncode, out.read(),
                   err.read())


@dataclass
class LakeRun:
    """`pipeline lake` on a local cluster then `pipeline lake-load`, each a subprocess."""
    lake: Run
    load: Run
    workers: int
    cluster_seconds: float | None   # the local cluster's start, as `lake` reports it

    @property
    def seconds(self) -> float:
        return self.lake.seconds + self.load.seconds

    @property
    def returncode(self) -> int:
        return self.lake.returncode or self.load.returncode


def supports_lake(code: Path) -> bool:
    """Does this checkout have the `lake` command?"""
    result = subprocess.run([sys.executable, "-m", "pipeline", "lake", "--help"], cwd=code, capture_output=True,
                            text=True)
    return result.returncode == 0


def run_lake(folder: Path, workdir: Path, code: Path, workers: int) -> LakeRun:
    """`lake folder --lake <tmp> --workers N`, then `lake-load` of it into a new warehouse."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    lake = run_command_timed([sys.executable, "-m", "pipeline", "lake", str(folder), "--lake", str(workdir / "lake"),
                              "--workers", str(workers)], code)
    load = run_command_timed([sys.executable, "-m", "pipeline", "lake-load", "--lake", str(workdir / "lake"),
                              "--warehouse", str(workdir / "warehouse.duckdb")], code)
    found = re.search(r"ready in (\d+\.\d+)s", lake.stderr)
    return LakeRun(lake, load, workers, float(found.group(1)) if found else None)


def fastest_lake(folder: Path, workdir: Path, code: Path, repeat: int) -> LakeRun:
    from pipeline.parallel import usable_cores
    runs = [run_lake(folder, workdir, code, usable_cores()) for _ in range(repeat)]
    return min(runs, key=lambda run: (run.returncode != 0, run.seconds))


# ---------------------------------------------------------------- the table

def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
        cpu = model
    except (OSError, StopIteration):
        pass
    return (f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def format_row(name: str, seconds: float | None, rate: str = "", ratio: float | None = None) -> str:
    shown = f"{seconds:8.2f}" if seconds is not None else f"{'—':>8}"
    times = f"{ratio:7.1f}×" if ratio is not None else ""
    return f"  {name:<36}{shown}  {rate:<28}{times}"


def format_path_table(title: str, floor: float, run: Run, rates, lake: LakeRun | None = None) -> list[str]:
    """Floor, whole ingest and its stages for one path (text or PDF), with rates and the ratio; then the
    lake's line, when it ran."""
    lines = [f"{title:<38}{'seconds':>8}  {'throughput':<28}{'× floor':>8}",
             format_row("floor", floor, rates(floor), 1.0),
             format_row("ingest, whole process" + ("" if run.returncode == 0 else f" (exit {run.returncode})"),
                        run.seconds, rates(run.seconds), run.seconds / floor if floor else None)]
    timings = run.timings
    for stage in STAGES:
        if stage in timings:
            lines.append(format_row(f"  {stage}", timings[stage]))
    if timings:
        lines.append(format_row("  start-up, lock, waits (wall − stages)",
                                max(run.seconds - timings.get("wall", run.seconds), 0.0)))
    lines.append(f"  {'CPU time, all processes':<36}{run.cpu_seconds:8.2f}")
    lines.append(f"  {'peak RSS (largest process)':<36}{run.peak_rss_mb:8.0f} MB")
    if lake is not None:
        failed = "" if lake.returncode == 0 else f" (exit {lake.returncode})"
        lines.append(format_row(f"lake + lake-load, {lake.workers} workers{failed}", lake.seconds, rates(lake.seconds),
                                lake.seconds / floor if floor else None))
        start = f" (cluster start {lake.cluster_seconds:.2f})" if lake.cluster_seconds is not None else ""
        lines.append(format_row(f"  lake{start}", lake.lake.seconds))
        lines.append(format_row("  lake-load", lake.load.seconds))
        lines.append(f"  {'  CPU time, all processes':<36}{lake.lake.cpu_seconds + lake.load.cpu_seconds:8.2f}")
    return lines


def format_scan_table(corpus: Corpus, floor: tuple[float, float], run: Run) -> list[str]:
    """The scanned PDFs: seconds per page of the ingest beside Tesseract alone, wall and CPU."""
    pages = corpus.scan_pages or 1
    per_page = lambda s: f"{s / pages:7.2f} s/page" if s else ""   # noqa: E731
    lines = format_path_table("scanned PDFs (OCR)", floor[0], run, per_page)
    lines.insert(2, f"  {'floor CPU time (Tesseract alone)':<36}{floor[1]:8.2f}  {per_page(floor[1])}")
    lines.append(f"  {'CPU time per page, all processes':<36}{run.cpu_seconds / pages:8.2f}")
    return lines


def format_report(corpus: Corpus, text_floor: float | None, text_run: Run | None,
                  pdf_floor: float | None, pdf_run: Run | None, repeat: int = 1, sources: list[str] = (),
                  scan_floor: tuple[float, float] | None = None, scan_run: Run | None = None,
                  text_lake: LakeRun | None = None, pdf_lake: LakeRun | None = None) -> str:
    lines = [f"solieu bench on {describe_machine()}", *sources,
             f"corpus: {len(corpus.texts)} text reports ({corpus.text_bytes / 1e6:.1f} MB), "
             f"{len(corpus.pdfs)} PDFs ({corpus.pdf_pages} pages), {len(corpus.scans)} scanned PDFs "
             f"({corpus.scan_pages} pages); stage times of read, segment and extract "
             f"are summed over the worker processes"
             + (f"; floors and ingests: the fastest of {repeat} runs each" if repeat > 1 else ""), ""]
    if text_run is not None:
        n, mb = len(corpus.texts), corpus.text_bytes / 1e6
        lines += format_path_table("text reports", text_floor, text_run,
                                   lambda s: f"{n / s:7.1f} reports/s {mb / s:7.2f} MB/s" if s else "", text_lake)
        lines.append("")
    if pdf_run is not None:
        n, pages = len(corpus.pdfs), corpus.pdf_pages
        lines += format_path_table("PDF reports", pdf_floor, pdf_run,
                                   lambda s: f"{pages / s:7.1f} pages/s {1000 * s / pages:6.1f} ms/page" if s else "",
                                   pdf_lake)
        lines.append("")
    if scan_run is not None:
        lines += format_scan_table(corpus, scan_floor or (0.0, 0.0), scan_run)
    return "\n".join(lines).rstrip()


# ---------------------------------------------------------------- command

def run_bench(n_texts: int, n_pdfs: int, workdir: Path, code: Path = ROOT, shared: Path | None = None,
              repeat: int = 1, n_scans: int = 0, lake: bool = True) -> str:
    """Build the corpus in workdir, time the floors and the ingest of each path; return the table.

    With `repeat` > 1 the floors and the ingests are each run that many times and the fastest run of
    each is shown: a shared machine only ever slows a run down, so the fastest is the least disturbed."""
    shared = shared or find_shared(code)
    texts, pdfs = find_sources(code, shared)
    sources, notes = describe_sources(code, shared, texts, pdfs), []
    if n_pdfs and not reads_pdf(code):
        notes.append(f"{code} reads no PDF: the PDF path is not timed")
        n_pdfs = 0
    elif n_pdfs and not pdfs:
        notes.append("no sample PDF: the PDF path is not timed (name the folder holding pdf/ with --shared, "
                     "or SHARED= for make bench)")
    if n_texts and not texts:
        notes.append("no sample text report: the text path is not timed")
    if not (n_texts and texts) and not (n_pdfs and pdfs):
        raise NothingToBench(f"nothing to time: {sources}")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    corpus = build_corpus(workdir / "corpus", texts, pdfs, n_texts, n_pdfs)
    timings = supports_timings(code)
    repeat = max(repeat, 1)
    lake = lake and supports_lake(code)
    text_floor = text_run = pdf_floor = pdf_run = text_lake = pdf_lake = None
    if corpus.texts:
        text_floor = min(time_text_floor(corpus.texts) for _ in range(repeat))
        text_run = fastest_ingest(workdir / "corpus" / "text", workdir / "text" / "warehouse.duckdb", code, timings,
                                  repeat)
        if lake:
            text_lake = fastest_lake(workdir / "corpus" / "text", workdir / "text-lake", code, repeat)
    if corpus.pdfs:
        pdf_floor, corpus.pdf_pages = min(time_pdf_floor(corpus.pdfs) for _ in range(repeat))
        pdf_run = fastest_ingest(workdir / "corpus" / "pdf", workdir / "pdf" / "warehouse.duckdb", code, timings,
                                 repeat)
        if lake:
            pdf_lake = fastest_lake(workdir / "corpus" / "pdf", workdir / "pdf-lake", code, repeat)
    scan_floor = scan_run = None
    copy_scans(workdir / "corpus", find_scans(shared), n_scans, corpus)
    if corpus.scans:   # a minute a run: the floor once, the ingest at most twice
        scan_floor = time_scan_floor(corpus.scans)
        scan_run = fastest_ingest(workdir / "corpus" / "scan", workdir / "scan" / "warehouse.duckdb", code, timings,
                                  min(repeat, 2))
    return format_report(corpus, text_floor, text_run, pdf_floor, pdf_run, repeat, [sources] + notes,
                         scan_floor, scan_run, text_lake, pdf_lake)


def fastest_ingest(folder: Path, warehouse: Path, code: Path, timings: bool, repeat: int) -> Run:
    """The fastest of `repeat` ingests of the folder, each into a new warehouse (none is skipped as
    already ingested); the last warehouse is left in place."""
    runs = []
    for _ in range(repeat):
        shutil.rmtree(warehouse.parent, ignore_errors=True)
        warehouse.parent.mkdir(parents=True)
        runs.append(run_ingest(folder, warehouse, code, timings))
    return min(runs, key=lambda run: (run.returncode != 0, run.seconds))


def find_shared(code: Path) -> Path:
    """The shared folder with the development reports: ../shared beside the checkout."""
    for candidate in (code.parent / "shared", ROOT.parent / "shared", Path("/work/shared")):
        if candidate.exists():
            return candidate
    return code.parent / "shared"


def reads_pdf(code: Path) -> bool:
    """Can this checkout of the project read PDFs? (Its reader moved from extract/read_pdf.py to extract/reading/.)"""
    return any((code / "extract" / reader).exists() for reader in ("reading/pdf.py", "read_pdf.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline bench", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run_command(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reports", type=int, default=100, help="text reports in the corpus (default: %(default)s)")
    parser.add_argument("--pdfs", type=int, default=20, help="PDF reports in the corpus (default: %(default)s)")
    parser.add_argument("--scans", type=int, default=0,
                        help="scanned PDFs (read by OCR) in the corpus (default: %(default)s; make bench: 1)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run the floors and each ingest N times and show the fastest (default: %(default)s)")
    parser.add_argument("--keep", metavar="DIR", help="build the corpus and warehouses in DIR and keep them")
    parser.add_argument("--shared", help="the shared folder with reports/ and pdf/ (default: ../shared)")
    parser.add_argument("--no-lake", dest="lake", action="store_false",
                        help="leave out the line of `lake` + `lake-load` on a local cluster")
    parser.add_argument("--code", default=str(ROOT), metavar="DIR",
                        help="run the ingest of this checkout, to compare two versions (default: this one)")


def run_command(args) -> int:
    """Print the table; exit 1, saying where it looked, when there is no sample to build a corpus from."""
    code = Path(args.code).resolve()
    shared = Path(args.shared) if args.shared else None
    try:
        if args.keep:
            workdir = Path(args.keep)
            shutil.rmtree(workdir, ignore_errors=True)
            workdir.mkdir(parents=True)
            print(run_bench(args.reports, args.pdfs, workdir, code, shared, args.repeat, args.scans, args.lake))
            return 0
        with tempfile.TemporaryDirectory(prefix="solieu-bench-") as tmp:
            print(run_bench(args.reports, args.pdfs, Path(tmp), code, shared, args.repeat, args.scans, args.lake))
        return 0
    except NothingToBench as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
