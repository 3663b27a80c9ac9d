"""OCR of scanned PDF pages with Tesseract, read as a text layer is read.

A report scanned from the signed paper has no text layer. Each such page is rendered at 300 dpi
(PDFium), straightened, and read by Tesseract with its Vietnamese model (`tesseract-ocr-vie`),
which gives every word its confidence and box and every character its box (hOCR). The words
become glyphs for extract/reading/pdf.py, so lines, footnotes, page numbers, paragraphs and
tables are worked out as for a text layer:

- font sizes come from the height Tesseract measures for each line, snapped to the sizes that
  recur in the document (a footnote's small type stays apart from the body's);
- superscripts are found on the image, not in the OCR text (which turns "tháng.³" into "tháng.3"
  and "m²" into "m?"): a small inked shape raised above a line's baseline next to a word is read
  again alone, digits only, and becomes a superscript glyph (a footnote marker, the ² of m²);
- ruling lines are found on the bitmap (long runs of dark pixels), handed to pdfplumber's table
  finder as the strokes of a text layer's paths are, and each cell is read on its own: the cells
  of a page are cut out and stacked into one image that Tesseract reads in one call, so annex
  rows keep their columns. The lines are erased from the page before it is read.

Every word keeps its confidence and its box on the page as printed (before straightening), so
that a fact read from it can say how sure the reading is (`mark_ocr_facts`) and a report can
show the printed number (`crop_box`).

Tesseract runs as a separate process per page (`OMP_THREAD_LIMIT=1`, about two CPU-seconds a
page), several pages at once from a thread pool: the reader may itself run in a worker process of
the ingest, which cannot start a process pool of its own, and the threads only wait for Tesseract.
"""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from html import unescape
from pathlib import Path

import regex as re

from extract.reading.limits import LimitError
from extract.records import OcrWord
from extract.text.normalize import DIGIT_TO_SUPERSCRIPT, SUPERSCRIPT_DIGITS, to_nfc

DPI = 300
LANGUAGE = "vie"
MIN_CONFIDENCE = 80.0
INSTALL_COMMAND = "apt-get install tesseract-ocr tesseract-ocr-vie"
MODES = ("auto", "force", "off")
MODE_ENV, CONFIDENCE_ENV, JOBS_ENV, TESSERACT_ENV = "SOLIEU_OCR", "SOLIEU_OCR_CONFIDENCE", "SOLIEU_OCR_JOBS", \
    "SOLIEU_TESSERACT"
UNCERTAIN_REASON = "số đọc từ ảnh chưa chắc chắn"
OCR_HINT = "run OCR (e.g. `ocrmypdf -l vie in.pdf out.pdf`) and ingest the OCRed PDF"

# Geometry, as fractions of a line's size (Tesseract's x_size: about the font size in pixels).
DARK = 160                 # a grey level below this is ink (the paper of a scan is about 220-245)
RULE_LENGTH = 1.0          # inches: a run of ink at least this long, straight across or down, is a ruling line
STRAIGHTEN = 0.4           # degrees: a page skewed more than this is turned straight before it is read
MAX_SKEW = 5.0             # degrees: the largest skew looked for
SIZE_CLUSTER = 0.12        # line sizes within this fraction of a recurring size are that size
RAISED_BAND = (1.05, 0.1)  # ink between 1.05 size above a baseline and 0.1 below belongs to its line
RAISED_BOTTOM = 0.18       # a superscript's lowest ink is at least this far above the baseline ...
RAISED_HEIGHT = (0.33, 0.62)  # ... and it is this tall (a quote, a hyphen or an accent is shorter, a letter taller)
RAISED_GAP = 0.2           # digits of one marker are this close ("¹⁶")
SUPERSCRIPT_SCALE = 0.6    # the size given to a superscript glyph, and its rise, for pdf.compose_text
SUPERSCRIPT_RISE = 0.35
MARKER_CONFIDENCE = 50.0   # a raised shape read as digits with less confidence is left as the OCR read it
MARKER_SCALE, MARKER_GAP = 3, 80   # raised shapes are read enlarged three times, well apart
ERASE_MARGIN = 3           # pixels around a ruling's ink erased with it
CELL_SCALE = 1.5           # table cells are read enlarged: 91 % of the annex's numbers exact, against 86 %
CELL_MARGIN = 6            # pixels cut from each side of a table cell (the ruling line and its blur)
STRIP_GAP = 40             # pixels between the pieces stacked into one image for Tesseract
STRIP_PIECES = 150         # raised shapes per stacked image (Tesseract refuses images over 32767 pixels)
STRIP_HEIGHT = 24000       # pixels of table cells per stacked image
# letters OCR mistakes for digits, when glued to a run of digits ("l0", "3O"): the number is not sure
CONFUSABLE_NEXT_TO_DIGITS = re.compile(r"\d[\p{L}]+\d|(?<!\p{L})[OoIlSBZzgq]\d|\d[OoIlSB](?!\p{L})")


def confusable(word: str) -> bool:
    """Does a word hold digits with letters OCR mistakes for digits glued to them ("l0", "5Ó", "3O5")?

    >>> confusable("5Ó"), confusable("l2"), confusable("2.921m³"), confusable("31,52ha"), confusable("3.915")
    (True, True, False, False, False)
    """
    import unicodedata
    bare = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return bool(CONFUSABLE_NEXT_TO_DIGITS.search(bare))


class OcrSettingError(LimitError):
    """An OCR setting ($SOLIEU_OCR …) that cannot be used; ingest names it and stops (exit 2)."""


@dataclass(frozen=True, slots=True)
class OcrSettings:
    """How pages without a text layer are read; from the environment (the ingest's --ocr options set it).

    mode: auto (OCR the pages that have no text layer, or one that cannot be decoded), force (OCR every
    page, whatever its text layer says), off (never: refuse such a PDF as before)."""
    mode: str = "auto"
    min_confidence: float = MIN_CONFIDENCE
    jobs: int = 0          # pages read at once; 0: one per usable core
    dpi: int = DPI


def ocr_settings(environ: dict | None = None) -> OcrSettings:
    """The settings from $SOLIEU_OCR, $SOLIEU_OCR_CONFIDENCE and $SOLIEU_OCR_JOBS.

    >>> ocr_settings({"SOLIEU_OCR": "force", "SOLIEU_OCR_CONFIDENCE": "70"})
    OcrSettings(mode='force', min_confidence=70.0, jobs=0, dpi=300)
    >>> ocr_settings({"SOLIEU_OCR": "maybe"})
    Traceback (most recent call last):
    extract.reading.ocr.OcrSettingError: $SOLIEU_OCR: 'maybe' is not one of auto, force, off
    """
    env = os.environ if environ is None else environ
    mode = (env.get(MODE_ENV) or "auto").strip().lower()
    if mode not in MODES:
        raise OcrSettingError(f"${MODE_ENV}: {mode!r} is not one of {', '.join(MODES)}")
    confidence = env.get(CONFIDENCE_ENV) or str(MIN_CONFIDENCE)
    try:
        min_confidence = float(confidence)
    except ValueError:
        min_confidence = -1.0
    if not 0 <= min_confidence <= 100:
        raise OcrSettingError(f"${CONFIDENCE_ENV}: {confidence!r} is not a confidence from 0 to 100")
    jobs = env.get(JOBS_ENV) or "0"
    if not jobs.strip().isdecimal():
        raise OcrSettingError(f"${JOBS_ENV}: {jobs!r} is not a number of pages read at once")
    return OcrSettings(mode, min_confidence, int(jobs))


# --- Tesseract ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Tesseract:
    path: str
    version: str     # "5.3.0"


def find_tesseract(environ: dict | None = None) -> tuple[Tesseract | None, str]:
    """Tesseract with the Vietnamese model, or None and what is missing (for the refusal's message).

    $SOLIEU_TESSERACT names the program; else it is looked for on $PATH."""
    env = os.environ if environ is None else environ
    path = env.get(TESSERACT_ENV) or shutil.which("tesseract", path=env.get("PATH", os.defpath))
    if not path:
        return None, "Tesseract is not installed"
    return probe_tesseract(path)


@lru_cache(maxsize=8)
def probe_tesseract(path: str) -> tuple[Tesseract | None, str]:
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
        langs = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None, f"Tesseract ({path}) does not run"
    found = re.search(r"tesseract\s+v?(\d+(?:\.\d+)*)", version.stdout + version.stderr)
    if not found:
        return None, f"{path} is not Tesseract"
    if int(found.group(1).split(".")[0]) < 4:
        return None, f"Tesseract {found.group(1)} is too old (4 or later reads with its LSTM models)"
    if LANGUAGE not in (langs.stdout + langs.stderr).split():
        return None, "Tesseract has no Vietnamese model (tesseract-ocr-vie)"
    return Tesseract(path, found.group(1)), ""


def refusal(pages: int, missing: str, garbled: bool = False) -> str:
    """The message of a PDF that needs OCR when none can run."""
    what = ("text layer cannot be decoded (fonts without a Unicode map); OCR needed" if garbled else
            f"no text layer; OCR needed: its {pages} page(s) are images (a scan)")
    return f"{what}, and {missing}: install it ({INSTALL_COMMAND}) and ingest again, or {OCR_HINT}"


def run_tesseract(tesseract: Tesseract, image, psm: int = 3, digits: bool = False, dpi: int = DPI) -> str:
    """hOCR of a grey image (numpy uint8), with character boxes; one Tesseract process, one thread."""
    height, width = image.shape
    pgm = b"P5\n%d %d\n255\n" % (width, height) + image.tobytes()
    command = [tesseract.path, "stdin", "stdout", "-l", LANGUAGE, "--dpi", str(dpi), "--psm", str(psm),
               "-c", "hocr_char_boxes=1"]
    if digits:
        command += ["-c", "tessedit_char_whitelist=0123456789"]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    result = subprocess.run(command + ["hocr"], input=pgm, capture_output=True, env=env, timeout=600)
    if result.returncode != 0:
        raise OSError(f"tesseract failed ({result.stderr.decode(errors='replace').strip()[-200:]})")
    return result.stdout.decode("utf-8", errors="replace")


# --- hOCR -----------------------------------------------------------------------------------------

@dataclass(slots=True)
class Char:
    text: str
    x0: float
    x1: float


@dataclass(slots=True)
class Word:
    """A word as Tesseract read it, in pixels of the straightened page (y down)."""
    text: str
    confidence: float
    box: tuple[float, float, float, float]   # x0, y0, x1, y1
    chars: list[Char]


@dataclass(slots=True)
class TextLine:
    """A line of words with its baseline (y at x: y0 + slope * (x - x0)) and Tesseract's size of its type."""
    words: list[Word]
    x0: float
    y0: float
    slope: float
    size: float          # pixels

    def baseline(self, x: float) -> float:
        return self.y0 + self.slope * (x - self.x0)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (min(w.box[0] for w in self.words), min(w.box[1] for w in self.words),
                max(w.box[2] for w in self.words), max(w.box[3] for w in self.words))


HOCR_LINE = re.compile(r"<span class='ocr_(?:line|caption|textfloat|header)'[^>]*title=\"([^\"]*)\"")
HOCR_WORD = re.compile(r"<span class='ocrx_word'[^>]*title='([^']*)'>(.*?)</span>\s*</span>", re.S)
HOCR_CHAR = re.compile(r"<span class='ocrx_cinfo' title='x_bboxes (-?\d+) -?\d+ (-?\d+) -?\d+; x_conf [\d.e+-]+'>([^<]*)")
HOCR_PLAIN_WORD = re.compile(r"<span class='ocrx_word'[^>]*title='([^']*)'>([^<]*)</span>")


def numbers(title: str, key: str) -> list[float]:
    found = re.search(rf"\b{key}((?:\s+-?[\d.]+)+)", title)
    return [float(v) for v in found.group(1).split()] if found else []


def parse_hocr(text: str) -> list[TextLine]:
    """The lines of a page's hOCR, with their words, word confidences and character boxes.

    >>> hocr = ("<span class='ocr_line' id='l' title=\\"bbox 10 20 200 60; baseline 0.01 -8; x_size 40\\">"
    ...         "<span class='ocrx_word' id='w' title='bbox 10 20 90 60; x_wconf 91'>"
    ...         "<span class='ocrx_cinfo' title='x_bboxes 10 20 50 52; x_conf 99.1'>Đ</span>"
    ...         "<span class='ocrx_cinfo' title='x_bboxes 50 30 90 52; x_conf 98.0'>&amp;</span></span></span>")
    >>> [(l.y0, l.size, [(w.text, w.confidence, [c.text for c in w.chars]) for w in l.words]) for l in parse_hocr(hocr)]
    [(52.0, 40.0, [('Đ&', 91.0, ['Đ', '&'])])]
    """
    lines = []
    starts = [(m.start(), m.group(1)) for m in HOCR_LINE.finditer(text)] + [(len(text), "")]
    for (start, title), (end, _) in zip(starts, starts[1:]):
        box = numbers(title, "bbox")
        if len(box) != 4:
            continue
        slope, offset = (numbers(title, "baseline") + [0.0, 0.0])[:2]
        size = (numbers(title, "x_size") or [box[3] - box[1]])[0]
        words = []
        for m in HOCR_WORD.finditer(text, start, end):
            word_box = numbers(m.group(1), "bbox")
            chars = [Char(unescape(c.group(3)), float(c.group(1)), float(c.group(2)))
                     for c in HOCR_CHAR.finditer(m.group(2))]
            word = to_nfc("".join(c.text for c in chars)).strip()
            if not word or len(word_box) != 4:
                continue
            confidence = (numbers(m.group(1), "x_wconf") or [0.0])[0]
            words.append(Word(word, confidence, tuple(word_box), chars))
        if words:
            lines.append(TextLine(words, box[0], box[3] + offset, slope, size))
    return lines


# --- the page image -------------------------------------------------------------------------------

def render_page(page, dpi: int = DPI):
    """A page as a grey numpy image at `dpi` (PDFium)."""
    bitmap = page.render(scale=dpi / 72, grayscale=True, draw_annots=False)
    image = bitmap.to_numpy()
    return image[:, :, 0].copy() if image.ndim == 3 else image.copy()


def measure_skew(image, most: float = MAX_SKEW) -> float:
    """The angle (degrees, counter-clockwise) by which the page's lines of text slope: the shear under
    which ink pixels pile into the fewest, fullest rows, on a quarter-size image.

    >>> import numpy as np
    >>> page = np.full((800, 800), 255, np.uint8)
    >>> for row in range(60, 700, 40):
    ...     for x in range(40, 760):
    ...         y = row + int(x * math.tan(math.radians(1.5)))
    ...         page[y:y + 8, x] = 0
    >>> abs(measure_skew(page) - -1.5) < 0.15
    True
    """
    import numpy as np
    small = image[::4, ::4]
    ys, xs = np.nonzero(small < DARK)
    if len(ys) < 50:
        return 0.0
    xs = xs - small.shape[1] / 2
    height = small.shape[0]

    def score(angle: float) -> float:
        rows = np.round(ys + xs * math.tan(math.radians(angle))).astype(np.int64) + 2 * height
        counts = np.bincount(rows)
        return float(np.dot(counts, counts))

    best = max(np.arange(-most, most + 1e-9, 0.2), key=score)
    return float(max(np.arange(best - 0.2, best + 0.2 + 1e-9, 0.02), key=score))


def rotate(image, angle: float, background: int):
    """The image turned by `angle` degrees counter-clockwise about its centre (same size)."""
    import numpy as np
    from PIL import Image
    turned = Image.fromarray(image).rotate(angle, resample=Image.BILINEAR, fillcolor=int(background))
    return np.asarray(turned).copy()


def unrotate_point(x: float, y: float, angle: float, width: int, height: int) -> tuple[float, float]:
    """Where a point of the image turned by `angle` (rotate) was on the page as scanned.

    >>> [round(v, 6) for v in unrotate_point(50, 10, 90, 100, 100)]
    [90.0, 50.0]
    """
    cx, cy = width / 2, height / 2
    a = math.radians(angle)
    dx, dy = x - cx, y - cy
    # PIL turns counter-clockwise on screen (y down): a point of the turned image comes from the page
    # point turned the other way
    return cx + dx * math.cos(a) - dy * math.sin(a), cy + dx * math.sin(a) + dy * math.cos(a)


def background_level(image) -> int:
    """The grey of the paper: the 90th percentile of a sample of the image."""
    import numpy as np
    return int(np.percentile(image[::8, ::8], 90))


def long_runs(ink, length: int):
    """The pixels of `ink` (boolean rows) that lie in a run of at least `length` across."""
    import numpy as np
    out = np.zeros_like(ink)
    rows = np.flatnonzero(ink.sum(axis=1) >= length)
    if not len(rows) or length > ink.shape[1]:
        return out
    sub = ink[rows]

    def window(a, n):
        sums = np.zeros((a.shape[0], a.shape[1] + 1), np.int32)
        np.cumsum(a, axis=1, dtype=np.int32, out=sums[:, 1:])
        return sums[:, n:] - sums[:, :-n]

    full = window(sub, length) == length
    out[rows] = window(np.pad(full, ((0, 0), (length - 1, length - 1))), length) > 0
    return out


@dataclass(frozen=True, slots=True)
class Segment:
    """A ruling line in pixels, by its middle: across (y0 == y1) or down (x0 == x1)."""
    orientation: str     # "h" or "v"
    x0: float
    y0: float
    x1: float
    y1: float


def find_rulings(image, dpi: int = DPI):
    """The ruling lines of a page image: (segments, mask of their pixels).

    Ink is thickened by a pixel across the line's direction so that a line stepping by a pixel (a
    skew left after straightening) stays one run; runs of at least RULE_LENGTH make the mask, and
    the runs of the mask, joined where they touch, make the segments."""
    import numpy as np
    ink = image < DARK
    length = int(RULE_LENGTH * dpi)
    thick = ink.copy()
    thick[1:] |= ink[:-1]
    thick[:-1] |= ink[1:]
    across = long_runs(thick, length) & ink
    thick = ink.copy()
    thick[:, 1:] |= ink[:, :-1]
    thick[:, :-1] |= ink[:, 1:]
    down = long_runs(np.ascontiguousarray(thick.T), length).T & ink
    # a piece shorter than a ruling line is a pixel of a line's blurred edge the joining missed
    segments = [Segment("h", x0, (y0 + y1) / 2, x1, (y0 + y1) / 2)
                for x0, y0, x1, y1 in join_runs(across) if x1 - x0 >= length]
    segments += [Segment("v", (x0 + x1) / 2, y0, (x0 + x1) / 2, y1)
                 for y0, x0, y1, x1 in join_runs(np.ascontiguousarray(down.T)) if y1 - y0 >= length]
    return segments, across | down


def join_runs(mask) -> list[tuple[float, float, float, float]]:
    """Runs of each row of `mask`, joined with the runs of the rows next to them that overlap: (x0, y0, x1, y1),
    y0..y1 the rows a line covers."""
    import numpy as np
    open_: list[list] = []      # [x0, x1, first row, last row]
    done = []
    for row in np.flatnonzero(mask.any(axis=1)):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], mask[row].view(np.int8), [0]))))
        still = []
        for start, end in zip(edges[::2], edges[1::2]):
            match = next((s for s in open_ if s[3] >= row - 2 and start <= s[1] and end >= s[0]), None)
            if match is None:
                match = [start, end, row, row]
                still.append(match)
            else:
                match[0], match[1], match[3] = min(match[0], start), max(match[1], end), row
        done += [s for s in open_ if s[3] < row - 2]
        open_ = [s for s in open_ if s[3] >= row - 2] + still
    return [(float(s[0]), float(s[2]), float(s[1]), float(s[3] + 1)) for s in done + open_]


# --- superscripts ---------------------------------------------------------------------------------

@dataclass(slots=True)
class Raised:
    """A small inked shape above a line's baseline: a superscript, until read."""
    line: int            # index of its line
    x0: int
    y0: int
    x1: int
    y1: int
    digits: str = ""


def find_raised(ink, lines: list[TextLine]) -> list[Raised]:
    """Small shapes raised above each line's baseline (see the module docstring), in pixels.

    A column of the line's band is raised when all its ink lies above the baseline; raised columns
    close together make a shape, kept when its height is a superscript digit's."""
    import numpy as np
    found = []
    height, width = ink.shape
    for index, line in enumerate(lines):
        size = line.size
        x0, _, x1, _ = line.box
        left, right = max(int(x0 - 0.5 * size), 0), min(int(x1 + 1.0 * size), width)
        if right <= left:
            continue
        base = line.y0 + line.slope * (np.arange(left, right) - line.x0)    # the baseline under each column
        top = max(int(base.min() - RAISED_BAND[0] * size), 0)
        bottom = min(int(base.max() + RAISED_BAND[1] * size), height)
        if bottom - top < 4:
            continue
        band = ink[top:bottom, left:right]
        inked = band.any(axis=0)
        lowest = np.where(inked, bottom - 1 - np.argmax(band[::-1], axis=0), -1)
        highest = np.where(inked, top + np.argmax(band, axis=0), -1)
        raised = inked & (lowest <= base - RAISED_BOTTOM * size) & (highest >= base - RAISED_BAND[0] * size)
        grounded = inked & ~raised
        # a shape is raised columns, with gaps of empty ones, between empty columns: raised ink that
        # touches a grounded column is part of a letter (the arm of a T, the top of a slash)
        run: list[int] = []
        clear = True     # the column before the run is empty
        for x in range(band.shape[1] + 1):
            if x < band.shape[1] and raised[x]:
                if run and x - run[-1] > RAISED_GAP * size:
                    found += shape(run, highest, lowest, left, index, size)
                    run = []
                if run or clear:
                    run.append(x)
                continue
            if x == band.shape[1] or grounded[x]:
                if run and x - run[-1] > 1:   # empty columns between it and the letter after it
                    found += shape(run, highest, lowest, left, index, size)
                run = []          # else it ends against a letter: part of that letter
                clear = False
                continue
            if run and x - run[-1] > RAISED_GAP * size:
                found += shape(run, highest, lowest, left, index, size)
                run = []
            clear = True
    return found


def shape(columns: list[int], highest, lowest, left: int, line: int, size: float) -> list[Raised]:
    y0 = int(min(highest[c] for c in columns))
    y1 = int(max(lowest[c] for c in columns)) + 1
    x0, x1 = left + columns[0], left + columns[-1] + 1
    tall = y1 - y0
    if not RAISED_HEIGHT[0] * size <= tall <= RAISED_HEIGHT[1] * size or x1 - x0 > 2.2 * size:
        return []
    if x1 - x0 < 0.06 * size:
        return []
    return [Raised(line, x0, y0, x1, y1)]


def read_raised(tesseract: Tesseract, image, shapes: list[Raised], background: int, dpi: int) -> None:
    """Read the raised shapes of a page in one Tesseract call, digits only: each is cut out, enlarged
    MARKER_SCALE times and stacked; a shape read as digits with enough confidence gets them."""
    import numpy as np
    if not shapes:
        return
    from PIL import Image
    margin = 6
    for first in range(0, len(shapes), STRIP_PIECES // 2):
        chunk = shapes[first:first + STRIP_PIECES // 2]
        pieces = []
        for s in chunk:
            piece = Image.fromarray(image[max(s.y0 - margin, 0):s.y1 + margin, max(s.x0 - margin, 0):s.x1 + margin])
            piece = piece.resize((piece.width * MARKER_SCALE, piece.height * MARKER_SCALE), Image.BICUBIC)
            pieces.append(np.asarray(piece))
        strip, places = stack(pieces, background, MARKER_GAP)
        for line in parse_hocr(run_tesseract(tesseract, strip, psm=6, digits=True, dpi=dpi)):
            for word in line.words:
                middle = (word.box[1] + word.box[3]) / 2
                at = next((i for i, (y, h) in enumerate(places)
                           if y - MARKER_GAP / 2 <= middle < y + h + MARKER_GAP / 2), None)
                if at is not None and word.text.isdecimal() and word.confidence >= MARKER_CONFIDENCE:
                    chunk[at].digits += word.text


def stack(pieces: list, background: int, gap: int = STRIP_GAP):
    """The pieces one under the other on the paper's grey, `gap` apart: (image, [(top, height)])."""
    import numpy as np
    width = max(p.shape[1] for p in pieces) + 2 * gap
    height = sum(p.shape[0] + gap for p in pieces) + gap
    strip = np.full((height, width), background, np.uint8)
    places, y = [], gap
    for piece in pieces:
        strip[y:y + piece.shape[0], gap:gap + piece.shape[1]] = piece
        places.append((y, piece.shape[0]))
        y += piece.shape[0] + gap
    return strip, places


MARKER_LIKE = set("!°\"'?*^’‘“”|#~`´ˆ®©" + SUPERSCRIPT_DIGITS)   # what OCR makes of a superscript digit


def apply_raised(lines: list[TextLine], shapes: list[Raised]) -> None:
    """Put each superscript read on the image into its line, in place of what the OCR made of it.

    Tesseract's character boxes are rough (a character may sit half a letter off), so the word is
    looked at around the shape: marks that a raised digit is read as ("!", "°", "?", quotes) are
    replaced; else a run of digits ending in the superscript's digits ("202316" for 2023¹⁶,
    "tháng.3" for tháng.³) loses those digits; else the OCR dropped it and it is inserted where it
    is printed."""
    for s in shapes:
        line = lines[s.line]
        middle, reach = (s.x0 + s.x1) / 2, 0.6 * line.size
        word = next((w for w in line.words if w.box[0] - reach <= middle <= w.box[2] + reach), None)
        if not s.digits and word is not None:
            s.digits = digits_read_in_place(word)
        if not s.digits:
            continue
        marker = s.digits.translate(DIGIT_TO_SUPERSCRIPT)
        new = Char(marker, float(s.x0), float(s.x1))
        if word is None:    # not part of any word: a word of its own (a footnote's number at the margin)
            line.words.append(Word(marker, 0.0, (s.x0, s.y0, s.x1, s.y1), [new]))
            line.words.sort(key=lambda w: w.box[0])
            continue
        chars = word.chars
        near = [i for i, c in enumerate(chars) if s.x0 - reach <= (c.x0 + c.x1) / 2 <= s.x1 + reach]
        marks = [i for i in near if chars[i].text in MARKER_LIKE]
        digits = [i for i in near if chars[i].text.isdecimal()]
        alone = word.text.rstrip(".,;:")
        if alone and all(c in MARKER_LIKE or c.isdecimal() for c in alone) and len(alone) <= 3:
            # a word of its own (the number that starts a footnote, read as "5" or "'"): all of it
            chars[:len(alone)] = [new]
        elif marks:
            chars[marks[0]:marks[-1] + 1] = [new]
        elif digits and tail_digits(chars, digits[-1], s.digits):
            chars[digits[-1] - len(s.digits) + 1:digits[-1] + 1] = [new]
        else:
            at = next((i for i, c in enumerate(chars) if (c.x0 + c.x1) / 2 > middle), len(chars))
            chars.insert(at, new)
        word.text = to_nfc("".join(c.text for c in chars))


def digits_read_in_place(word: Word) -> str:
    """The digits the page's OCR read for a raised shape that could not be read alone, when they cannot be
    part of a number: a word of its own ("7" before a footnote), or digits after letters or a stop
    ("tháng.3", "m3"). Digits after digits ("202316") are left: which of them are raised is not known."""
    alone = word.text.rstrip(".,;:")
    if alone.isdecimal() and len(alone) <= 2:
        return alone
    tail = re.search(r"(?<=\p{L}\.?)(\d{1,2})[.,;:]?$", word.text)
    return tail.group(1) if tail else ""


SUPERSCRIPT_RUN = re.compile(f"[{SUPERSCRIPT_DIGITS}]+")


def number_unread_markers(lines: list[TextLine], shapes: list[Raised]) -> list[Raised]:
    """Raised shapes in the running text that no reading could make digits of, numbered after the footnotes
    of the page: when the footnotes starting on the page whose marker was not found are as many as such
    shapes, they are those markers, in order (a marker printed after "kỳ”" that Tesseract reads as a
    quote in every size)."""
    starts, inline = [], set()
    for line in lines:
        for k, word in enumerate(line.words):
            for m in SUPERSCRIPT_RUN.finditer(word.text):
                number = int(m.group().translate(str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")))
                (starts if k == 0 and m.start() == 0 else inline.add(number) or []).append(number)
    missing = [n for n in starts if n not in inline]
    unread = sorted((s for s in shapes if not s.digits and s.x0 > lines[s.line].box[0] + 0.5 * lines[s.line].size),
                    key=lambda s: (lines[s.line].box[1], s.x0))
    if not missing or len(unread) != len(missing):
        return []
    for shape, number in zip(unread, missing):
        shape.digits = str(number)
    return unread


def tail_digits(chars: list[Char], last: int, digits: str) -> bool:
    """Do the characters up to `last` end in `digits`?"""
    first = last - len(digits) + 1
    return first >= 0 and "".join(c.text for c in chars[first:last + 1]) == digits


# --- one page -------------------------------------------------------------------------------------

@dataclass
class OcrPage:
    """What reading one page image gives pdf.py: lines of words in pixels, rulings, and the geometry
    to turn pixels into PDF points and back to the page as scanned."""
    lines: list[TextLine]
    segments: list[Segment]
    width: int               # pixels of the rendered page
    height: int
    angle: float             # degrees it was turned to straighten it
    dpi: int
    seconds: float = 0.0
    cells: int = 0           # table cells read apart
    markers: int = 0         # superscripts found on the image


def read_page_image(tesseract: Tesseract, image, dpi: int = DPI, find_cells=None) -> OcrPage:
    """OCR one rendered page: straighten, find rulings and tables, read the text and then the cells,
    find the superscripts. `find_cells(segments, dpi, shape)` gives the table cells the rulings make, in
    pixels (pdf.py's table finder; without it the page is read whole)."""
    started = time.perf_counter()
    background = background_level(image)
    angle = measure_skew(image)
    if abs(angle) > STRAIGHTEN:
        image = rotate(image, -angle, background)
    else:
        angle = 0.0
    segments, mask = find_rulings(image, dpi)
    erased = image.copy()      # the rulings on the paper's grey: Tesseract reads them as "|", "_" or noise
    erased[widen(mask, ERASE_MARGIN)] = background
    cells = find_cells(segments, dpi, image.shape) if find_cells else []
    page = erased.copy()
    for x0, y0, x1, y1 in cells:   # the cells are read apart: blank them on the page
        page[int(y0):int(y1), int(x0):int(x1)] = background
    lines = parse_hocr(run_tesseract(tesseract, page, dpi=dpi))
    lines += read_cells(tesseract, erased, cells, background, dpi)
    ink = image < DARK
    lines = merge_marker_lines(lines)
    shapes = [s for s in find_raised(ink, lines) if beside_text(s, lines[s.line])]
    read_raised(tesseract, image, shapes, background, dpi)
    apply_raised(lines, shapes)
    apply_raised(lines, number_unread_markers(lines, shapes))
    return OcrPage(drop_margin_marks(lines), segments, image.shape[1], image.shape[0], angle, dpi,
                   time.perf_counter() - started, len(cells), sum(1 for s in shapes if s.digits))


def drop_margin_marks(lines: list[TextLine]) -> list[TextLine]:
    """Without the topmost and bottommost line when it is one short, unsure word: a page number OCR
    misread ("S" for 5, "su," for 29), which pdf.drop_page_numbers would not know for one."""
    if len(lines) < 2:
        return lines
    ends = {id(min(lines, key=lambda l: l.box[1])), id(max(lines, key=lambda l: l.box[3]))}
    return [l for l in lines if not (id(l) in ends and len(l.words) == 1 and len(l.words[0].text) <= 4
                                     and l.words[0].confidence < MIN_CONFIDENCE)]


def merge_marker_lines(lines: list[TextLine]) -> list[TextLine]:
    """Lines of one short word of digits or marks that Tesseract set apart because they are raised (the
    number before a footnote, a marker after the last word of a line) go into the line they are raised
    above, so that find_raised measures them against its baseline."""
    out = []
    for line in lines:
        word = line.words[0]
        text = word.text.rstrip(".,;:")
        if len(line.words) != 1 or not 0 < len(text) <= 3 or not all(c in MARKER_LIKE or c.isdecimal() for c in text):
            out.append(line)
            continue
        middle = (word.box[1] + word.box[3]) / 2
        host = next((other for other in lines if other is not line and len(other.words) > 1
                     and other.baseline(word.box[0]) - other.size <= middle <= other.baseline(word.box[0])
                     and other.box[0] - 1.5 * other.size <= word.box[2] and word.box[0] <= other.box[2] + 1.5 * other.size),
                    None)
        if host is None:
            out.append(line)
        else:
            host.words = sorted(host.words + [word], key=lambda w: w.box[0])
    return out


def widen(mask, pixels: int):
    """The mask grown by `pixels` in every direction (a ruling's blurred edge is lighter than ink)."""
    grown = mask.copy()
    for _ in range(pixels):
        step = grown.copy()
        step[1:] |= grown[:-1]
        step[:-1] |= grown[1:]
        step[:, 1:] |= grown[:, :-1]
        step[:, :-1] |= grown[:, 1:]
        grown = step
    return grown


def beside_text(shape: Raised, line: TextLine) -> bool:
    """A superscript is glued to a word, or starts a footnote: not a stray mark in the margin."""
    gap = 0.6 * line.size
    return any(w.box[0] - gap <= shape.x0 and shape.x1 <= w.box[2] + gap for w in line.words) or \
        any(abs(shape.x1 - w.box[0]) <= gap or abs(shape.x0 - w.box[2]) <= gap for w in line.words)


def read_cells(tesseract: Tesseract, image, cells, background: int, dpi: int) -> list[TextLine]:
    """The text of every cell with ink: the cells are stacked into one image (each then reads as one or a
    few lines of its own) read in one Tesseract call, and what is read goes back into place. The cells
    read with a word below MIN_CONFIDENCE are read again, twice as large, and keep the surer reading."""
    inked = [cell for cell in cells if (image[int(cell[1]):int(cell[3]), int(cell[0]):int(cell[2])] < DARK).sum() > 20]
    first = read_cell_strip(tesseract, image, inked, background, dpi, CELL_SCALE)
    unsure = [i for i, lines in enumerate(first) if doubtful(lines)]
    if unsure:
        again = read_cell_strip(tesseract, image, [inked[i] for i in unsure], background, dpi, 2 * CELL_SCALE - 1)
        for i, lines in zip(unsure, again):
            if lines and surety(lines) > surety(first[i]):
                first[i] = lines
    return [line for lines in first for line in lines]


def doubtful(lines: list[TextLine]) -> bool:
    return any(w.confidence < MIN_CONFIDENCE or confusable(w.text) for l in lines for w in l.words)


def surety(lines: list[TextLine]) -> float:
    """How sure a reading is: its least sure word, a word with letters in its digits counting as unsure."""
    return min((0.0 if confusable(w.text) else w.confidence for l in lines for w in l.words), default=-1.0)


def read_cell_strip(tesseract: Tesseract, image, cells, background: int, dpi: int, scale: float) -> list[list[TextLine]]:
    """The lines read in each cell (in pixels of the page), the cells enlarged by `scale` and stacked, in
    as many images as keep each under Tesseract's size limit."""
    found, first = [], 0
    while first < len(cells):
        tall, last = 0, first
        while last < len(cells) and (last == first or tall + cells[last][3] - cells[last][1] < STRIP_HEIGHT / scale):
            tall += cells[last][3] - cells[last][1] + STRIP_GAP
            last += 1
        found += read_cell_chunk(tesseract, image, cells[first:last], background, dpi, scale)
        first = last
    return found


def read_cell_chunk(tesseract: Tesseract, image, cells, background: int, dpi: int, scale: float) -> list[list[TextLine]]:
    import numpy as np
    from PIL import Image
    pieces, kept = [], []
    for x0, y0, x1, y1 in cells:
        grown = Image.fromarray(image[int(y0):int(y1), int(x0):int(x1)])
        grown = grown.resize((round(grown.width * scale), round(grown.height * scale)), Image.BILINEAR)
        pieces.append(np.asarray(grown))
        kept.append((int(x0), int(y0)))
    if not pieces:
        return []
    strip, places = stack(pieces, background)
    found: list[list[TextLine]] = [[] for _ in pieces]
    k = 1 / scale

    def back(x: float, y: float, at: int) -> tuple[float, float]:
        return kept[at][0] + (x - STRIP_GAP) * k, kept[at][1] + (y - places[at][0]) * k

    for line in parse_hocr(run_tesseract(tesseract, strip, psm=6, dpi=dpi)):
        middle = (line.box[1] + line.box[3]) / 2
        at = next((i for i, (y, h) in enumerate(places) if y - STRIP_GAP / 2 <= middle < y + h + STRIP_GAP / 2), None)
        if at is None:
            continue
        for word in line.words:
            word.box = back(word.box[0], word.box[1], at) + back(word.box[2], word.box[3], at)
            for char in word.chars:
                char.x0, char.x1 = back(char.x0, 0, at)[0], back(char.x1, 0, at)[0]
        x0, y0 = back(line.x0, line.y0, at)
        found[at].append(TextLine(line.words, x0, y0, line.slope, line.size * k))
    return found


# --- the document ---------------------------------------------------------------------------------

def ocr_pages(pdf, indexes: list[int], tesseract: Tesseract, settings: OcrSettings, name: str = "",
              log=None, find_cells=None) -> dict[int, OcrPage]:
    """Read the pages `indexes` (0-based) of an open PDFium document, several at once; one progress
    line per page on stdout, where ingest tells of each file (on a terminal it replaces the ingest's
    progress line, which is drawn again after it), or through `log`. Rendering holds a lock: PDFium is
    not thread-safe."""
    log = log or say_progress
    lock = threading.Lock()
    jobs = settings.jobs or usable_cores()
    total, done = len(indexes), [0]

    def read(index: int) -> tuple[int, OcrPage]:
        with lock:
            image = render_page(pdf[index], settings.dpi)
        page = read_page_image(tesseract, image, settings.dpi, find_cells)
        with lock:
            done[0] += 1
            words = [w for l in page.lines for w in l.words]
            low = sum(1 for w in words if w.confidence < settings.min_confidence)
            log(f"ocr {name} page {index + 1} ({done[0]}/{total}): {len(words)} words, {low} below "
                f"{settings.min_confidence:g}, {page.cells} cells, {page.markers} superscripts, {page.seconds:.1f}s")
        return index, page

    if jobs <= 1 or total <= 1:
        return dict(map(read, indexes))
    with ThreadPoolExecutor(max_workers=min(jobs, total)) as pool:
        return dict(pool.map(read, indexes))


def say_progress(line: str) -> None:
    erase = "\r\033[K" if sys.stdout.isatty() else ""
    print(erase + line, flush=True)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def snap_sizes(pages: list[OcrPage]) -> None:
    """Give each line the size that recurs in the document nearest its own (within SIZE_CLUSTER):
    Tesseract measures each line on its own, a few per cent apart, and pdf.py compares sizes."""
    weights: dict[int, int] = {}
    for page in pages:
        for line in page.lines:
            key = round(line.size)
            weights[key] = weights.get(key, 0) + sum(len(w.text) for w in line.words)
    centres: list[int] = []
    for size in sorted(weights, key=lambda s: -weights[s]):
        if not any(abs(size - c) <= SIZE_CLUSTER * c for c in centres):
            centres.append(size)
    for page in pages:
        for line in page.lines:
            near = [c for c in centres if abs(line.size - c) <= SIZE_CLUSTER * c]
            if near:
                line.size = float(min(near, key=lambda c: abs(line.size - c)))


def char_bounds(word: Word) -> list[tuple[float, float]]:
    """Left and right of each character, touching and in order across the word's box (Tesseract's
    character boxes overlap or leave gaps; pdf.compose_text would read a gap as a space)."""
    chars, (left, _, right, _) = word.chars, word.box
    if not chars:
        return []
    cuts = [left]
    for a, b in zip(chars, chars[1:]):
        cuts.append(min(max((a.x1 + b.x0) / 2, cuts[-1]), right))
    cuts.append(max(right, cuts[-1]))
    return list(zip(cuts, cuts[1:]))


def page_rules(page: OcrPage, height_pt: float) -> list[tuple[float, float, float, float]]:
    """The rulings as pdf.py's thin rules: (left, bottom, right, top) in PDF points."""
    scale, half = 72 / page.dpi, 0.5   # a scanned line is about a point thick
    return [(s.x0 * scale - half, height_pt - s.y1 * scale - half, s.x1 * scale + half, height_pt - s.y0 * scale + half)
            for s in page.segments]


def word_box(word: Word, page: OcrPage) -> tuple[float, float, float, float]:
    """A word's box on the page as scanned (before straightening), in PDF points from the top-left corner."""
    x0, y0, x1, y1 = word.box
    if page.angle:
        corners = [unrotate_point(x, y, -page.angle, page.width, page.height) for x in (x0, x1) for y in (y0, y1)]
        x0, y0 = min(c[0] for c in corners), min(c[1] for c in corners)
        x1, y1 = max(c[0] for c in corners), max(c[1] for c in corners)
    scale = 72 / page.dpi
    return (round(x0 * scale, 2), round(y0 * scale, 2), round(x1 * scale, 2), round(y1 * scale, 2))


def place_line_words(text: str, glyphs, word_of: dict, page_no: int, page: OcrPage) -> tuple[OcrWord, ...]:
    """The OCR words of a line, with offsets in its text: the words of its glyphs in order, each found in
    the text from where the one before ended (a word pdf.py spread over a cell is looked for from the
    start of the line)."""
    words, seen = [], set()
    for glyph in glyphs:
        word = word_of.get(id(glyph))
        if word is not None and id(word) not in seen:
            seen.add(id(word))
            words.append(word)
    out, at = [], 0
    for word in words:
        found = text.find(word.text, at)
        if found < 0:
            found = text.find(word.text)
        if found < 0:
            continue
        at = found + len(word.text)
        out.append(OcrWord(found, at, word.text, round(word.confidence, 1), page_no, word_box(word, page)))
    return tuple(out)


# --- words in the canonical text, and the facts read from them -------------------------------------

def place_words(document, source) -> tuple[OcrWord, ...]:
    """The OCR words of a source's lines with offsets in the document's canonical text.

    Each stretch of the canonical text (document.segments) is a source line as the text fixes left
    it; the line's words are mapped through an alignment of the two texts (difflib), so a fix that
    moved characters does not move the words."""
    from difflib import SequenceMatcher
    by_line = {(l.page, l.line): l for l in source.lines if l.words}
    if not by_line:
        return ()
    out = []
    for segment in document.segments:
        line = by_line.get((segment.page, segment.line))
        if line is None:
            continue
        canonical = document.text[segment.start:segment.end]
        if canonical == line.text:
            moved = [(w.start, w.end) for w in line.words]
        else:
            blocks = SequenceMatcher(None, line.text, canonical, autojunk=False).get_matching_blocks()
            moved = [map_span(w.start, w.end, blocks) for w in line.words]
        for word, span in zip(line.words, moved):
            if span is not None:
                out.append(replace(word, start=segment.start + span[0], end=segment.start + span[1]))
    return tuple(sorted(out, key=lambda w: w.start))


def map_span(start: int, end: int, blocks) -> tuple[int, int] | None:
    """[start, end) of one text in the other, through difflib's matching blocks; None when no character of it matched."""
    positions = [b + (i - a) for a, b, n in blocks for i in range(max(a, start), min(a + n, end))]
    return (min(positions), max(positions) + 1) if positions else None


NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def number_spans(fact, text: str) -> list[tuple[int, int]]:
    """Where the fact's printed numbers are in the canonical text: each *_raw figure found in the fact's
    own text (every place it occurs), else every number of it."""
    raw = text[fact.char_start:fact.char_end]
    spans = []
    for printed in (fact.value_raw, fact.plan_raw, fact.percent_raw, fact.delta_raw):
        if not printed:
            continue
        for m in NUMBER.finditer(printed):
            pattern = re.compile(rf"(?<![\d.,]){re.escape(m.group())}(?![\d]|[.,]\d)")
            spans += [(fact.char_start + n.start(), fact.char_start + n.end()) for n in pattern.finditer(raw)]
    if not spans:
        spans = [(fact.char_start + m.start(), fact.char_start + m.end()) for m in NUMBER.finditer(raw)]
    return spans


def mark_ocr_facts(facts, document, min_confidence: float | None = None):
    """Facts of a document read by OCR, with their provenance: the lowest confidence of the words
    holding their numbers, the box of those words, and whether a number is uncertain (below
    `min_confidence`, default $SOLIEU_OCR_CONFIDENCE else 80; with letters glued to its digits; or
    not found among the words)."""
    if not document.words:
        return facts
    import bisect
    threshold = ocr_settings().min_confidence if min_confidence is None else min_confidence
    words = document.words
    starts = [w.start for w in words]
    out = []
    for fact in facts:
        spans = number_spans(fact, document.text)
        held = []
        for start, end in spans:
            i = bisect.bisect_right(starts, start) - 1
            for word in words[max(i, 0):bisect.bisect_left(starts, end)]:
                if word.start < end and word.end > start and word not in held:
                    held.append(word)
        covered = spans and all(any(w.start < e and w.end > s for w in held) for s, e in spans)
        if not held:
            out.append(replace(fact, provenance="ocr", uncertain=True))
            continue
        confidence = min(w.confidence for w in held)
        doubtful = confidence < threshold or not covered or any(confusable(w.text) for w in held)
        page = held[0].page
        boxes = [w.box for w in held if w.page == page]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        out.append(replace(fact, provenance="ocr", ocr_confidence=confidence, uncertain=bool(doubtful),
                           ocr_page=page, ocr_box=box))
    return out


# --- the printed number, for a report page --------------------------------------------------------

def crop_box(pdf_path: Path | str, page: int, box: tuple[float, float, float, float], dpi: int = 200,
             margin: float = 6.0):
    """The printed number as an image (PIL), cut from the PDF's page: `page` 1-based and `box` (x0, top,
    x1, bottom in points from the top-left corner) as facts.ocr_page and facts.ocr_box store them,
    widened by `margin` points. None when the file or page is not there any more."""
    import pypdfium2 as pdfium
    try:
        pdf = pdfium.PdfDocument(str(pdf_path))
    except (OSError, pdfium.PdfiumError):
        return None
    try:
        if not 1 <= page <= len(pdf):
            return None
        image = pdf[page - 1].render(scale=dpi / 72, grayscale=True, draw_annots=False).to_pil()
    finally:
        pdf.close()
    scale = dpi / 72
    x0, top, x1, bottom = box
    left, upper = max(int((x0 - margin) * scale), 0), max(int((top - margin) * scale), 0)
    right, lower = min(int(math.ceil((x1 + margin) * scale)), image.width), min(int(math.ceil((bottom + margin) * scale)),
                                                                                 image.height)
    return image.crop((left, upper, right, lower)) if right > left and lower > upper else None
