"""The built wheel carries what a cluster's worker needs besides the code: the rule files (rules/*.toml)
and the SQL of the warehouse and its checks (warehouse/*.sql, warehouse/checks/*.sql).

The wheel is built from a copy of the sources (pip, with build isolation: about 10 s) and installed
without its dependencies into a new, empty venv, which borrows them from the project's venv through a
.pth file; the sample is then ingested there, from a folder outside the checkout, and must give the
facts and checks the checkout gives.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import duckdb

from conftest import ROOT, SAMPLE_TXT

SOURCES = ("pyproject.toml", "README.md", "pipeline", "extract", "warehouse", "rules")


def test_a_wheel_installed_elsewhere_ingests_the_sample(tmp_path, sample_warehouse):
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__", "*.duckdb*", "reports",
                                                                              "export")}
                                            if (ROOT / name).is_dir() else {}))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("solieu-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--disable-pip-version-check",
                                "--target", str(site), str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    # the dependencies come from the project's venv; its editable install of the checkout is not read
    # (a .pth file's own .pth files are not processed), so the code is the wheel's
    (site / "project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(python), "-c", "import pipeline, extract.rulebook.load as l, warehouse.checks as c; "
                            "print(pipeline.__file__); print(l.RULES_DIR); print(c.CHECKS_DIR)"],
                           cwd=elsewhere, capture_output=True, text=True, timeout=60)
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(site)) for line in where.stdout.split()), where.stdout

    warehouse = elsewhere / "warehouse.duckdb"
    ingested = subprocess.run([str(python), "-m", "pipeline", "ingest", str(SAMPLE_TXT), "--warehouse", str(warehouse)],
                              cwd=elsewhere, capture_output=True, text=True, timeout=300)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    counts = "select (select count(*) from facts), (select count(*) from checks), (select count(*) from problems)"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.execute(counts).fetchone()
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        expected = con.execute(counts).fetchone()
    assert got == expected and got[0] > 400 and got[1] > 100
