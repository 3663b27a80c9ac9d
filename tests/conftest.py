"""Shared fixtures: the sample reports, and a warehouse built once from the main sample."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT.parent / "shared") if (ROOT.parent / "shared").exists() else Path("/work/shared")
SAMPLE_TXT = ROOT / "raw_reports" / "backan_2023_ktxh.txt"


def run_cli(*args: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `python -m pipeline ...` as a user would."""
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """The main sample ingested once through the CLI into a temporary warehouse."""
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    result = run_cli("ingest", str(SAMPLE_TXT), "--warehouse", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    return path


@pytest.fixture()
def sample_con(sample_warehouse):
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    yield con
    con.close()
