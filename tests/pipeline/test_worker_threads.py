"""The per-document function on a cluster's worker: shared by threads, and received pickled.

A worker with several threads runs process_file in each at once: the Hyperscan prefilter gives each
thread its own scratch (one scratch in two scans raised ScratchInUseError), and PDFium, which is not
thread-safe, is called by one thread at a time. The rulebook travels with its compiled Hyperscan
database, so a worker on a machine with a cold cache does not compile it (seconds) before its first
document.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT, SAMPLE_TXT
from extract.document import process_file
from extract.rulebook import default_rulebook

hyperscan = pytest.importorskip("hyperscan")


def test_two_threads_scan_with_one_prefilter():
    rulebook = default_rulebook()
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    expected = [rulebook.prefilter.candidates(text, i, i + 4000) for i in range(0, 40000, 997)]
    errors, results = [], {}

    def scan(name):
        try:
            results[name] = [rulebook.prefilter.candidates(text, i, i + 4000) for _ in range(6)
                             for i in range(0, 40000, 997)]
        except Exception as exc:   # ScratchInUseError before each thread had its own scratch
            errors.append(exc)

    threads = [threading.Thread(target=scan, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(found == expected * 6 for found in results.values())


def test_threads_give_the_facts_one_thread_gives(shared):
    rulebook = default_rulebook()
    files = [SAMPLE_TXT, shared / "pdf" / "backan_2023_ktxh.pdf"]
    alone = {str(f): process_file(f, rulebook).facts for f in files}
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda f: (str(f), process_file(f, rulebook).facts), files * 2))
    assert all(facts == alone[name] for name, facts in together)


def test_the_rulebook_travels_with_its_database(tmp_path):
    """Unpickled in a process whose cache is empty, the rulebook scans at once, and leaves the database
    in that cache for the same prefilter built there."""
    rulebook = default_rulebook()
    pickled = tmp_path / "rulebook.pickle"
    pickled.write_bytes(pickle.dumps(rulebook))
    script = (
        "import pickle, sys, time\n"
        "from pathlib import Path\n"
        "started = time.perf_counter()\n"
        f"rulebook = pickle.loads(Path({str(pickled)!r}).read_bytes())\n"
        "text = 'Tổng thu ngân sách đạt 1.234 tỷ đồng, bằng 105% dự toán.'\n"
        "found = rulebook.prefilter.candidates(text, 0, len(text))\n"
        "print(time.perf_counter() - started, len(found))\n"
        "from extract.rulebook.prefilter import cache_path\n"
        "import hyperscan\n"
        "print(cache_path(hyperscan, tuple(rulebook.prefilter._expressions)).exists())\n")
    cold = tmp_path / "cold-cache"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "SOLIEU_CACHE": str(cold)}, timeout=120)
    assert result.returncode == 0, result.stderr
    seconds, candidates = result.stdout.split("\n")[0].split()
    assert float(seconds) < 2.0          # compiling the database takes about 4 s
    assert int(candidates) < len(rulebook.rules)
    assert result.stdout.split("\n")[1] == "True"
