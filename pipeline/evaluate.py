"""`make eval`: ingest each development report that has an answer key into its own temporary
warehouse, score it with shared/tools/score_warehouse.py, and print one table."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

COLUMNS = [("ratio_recall", "ratio recall"), ("percent_coverage", "percent coverage"), ("value_recall", "value recall"),
           ("nonfact_hits", "non-facts as figures"), ("mismatch_recall", "mismatches found"), ("false_alarms", "false alarms")]


def score_report(report: Path, gold: Path, scorer: Path, workdir: Path) -> dict:
    warehouse = workdir / f"{report.stem}.duckdb"
    ingest = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(report), "--warehouse", str(warehouse)],
                            capture_output=True, text=True)
    if ingest.returncode != 0:
        raise RuntimeError(f"ingest of {report} failed: {ingest.stderr.strip()}")
    scored = subprocess.run([sys.executable, str(scorer), str(warehouse), str(gold), "--json"],
                            capture_output=True, text=True)
    if scored.returncode not in (0, 1):
        raise RuntimeError(f"scoring {report} failed: {scored.stderr.strip()}")
    return json.loads(scored.stdout[: scored.stdout.rindex("}") + 1])


COUNT_OF = {"ratio_recall": "ratio", "percent_coverage": "coverage", "value_recall": "values",
            "mismatch_recall": "mismatch", "false_alarms": "false_alarms", "nonfact_hits": "nonfacts"}
PER_REPORT = ("nonfact_hits", "false_alarms")   # summed as a count, shown per report


def totals(results: dict[str, dict]) -> dict:
    """The summed row: each rate over the summed counts, the counts of non-facts and false alarms per report.

    >>> totals({"a": {"counts": {"ratio": [3, 4], "nonfacts": [2, 9]}}, "b": {"counts": {"ratio": [1, 1], "nonfacts": [0, 3]}}})
    {'counts': {'ratio': [4, 5], 'nonfacts': [2, 12]}, 'ratio_recall': 0.8, 'nonfact_hits': 1.0}
    """
    counts: dict[str, list[int]] = {}
    for r in results.values():
        for key, (got, of) in r.get("counts", {}).items():
            summed = counts.setdefault(key, [0, 0])
            summed[0] += got
            summed[1] += of
    out: dict = {"counts": counts}
    for key, _ in COLUMNS:
        count = COUNT_OF[key]
        if count not in counts:
            continue
        got, of = counts[count]
        if key in PER_REPORT:
            out[key] = round(got / len(results), 2)
        elif of:
            out[key] = round(got / of, 4)
    return out


def format_table(results: dict[str, dict]) -> str:
    header = ["report"] + [title for _, title in COLUMNS]
    rows = []
    if results:
        results = results | {f"TOTAL ({len(results)} reports; non-facts and false alarms per report)": totals(results)}
    for name, r in results.items():
        counts = r.get("counts", {})
        cells = [name]
        for key, _ in COLUMNS:
            value = r.get(key)
            count = COUNT_OF[key]
            detail = f" ({counts[count][0]}/{counts[count][1]})" if count in counts else ""
            cells.append(f"{value}{detail}" if value is not None else "—")
        rows.append(cells)
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows])


def find_keyed(shared: Path) -> list[tuple[Path, Path]]:
    """(report, answer key) of every X.txt beside an X.gold.json in <shared>/reports, sorted."""
    pairs = []
    for gold in sorted((shared / "reports").glob("*.gold.json")):
        report = gold.with_name(gold.name.replace(".gold.json", ".txt"))
        if report.exists():
            pairs.append((report, gold))
    return pairs


def nothing_to_score(shared: Path, scorer: Path, keyed: list) -> str | None:
    """Why nothing can be scored, naming where eval looked; None when it can."""
    where = shown(shared / "reports")
    if not (shared / "reports").is_dir():
        problem = f"no folder {where}"
    elif not keyed:
        problem = f"no report with an answer key (X.txt beside X.gold.json) in {where}"
    elif not scorer.is_file():
        problem = f"no scorer at {shown(scorer)}"
    else:
        return None
    return (f"nothing to score: {problem}. The development reports and their answer keys are not part of the "
            f"repository: put the shared folder beside the checkout (../shared) or name it (make eval SHARED=<dir>, "
            f"python -m pipeline eval --shared <dir>); the sample in raw_reports/ has no answer key "
            f"(make test checks it)")


def shown(path: Path) -> str:
    """The path as given, and where that is when it is relative.

    >>> shown(Path("/srv/shared")), shown(Path("../x")).startswith("../x (that is /")
    ('/srv/shared', True)
    """
    resolved = path.resolve()
    return str(path) if str(path) == str(resolved) else f"{path} (that is {resolved})"


def main(shared: Path, verbose: bool = False) -> int:
    """Score every keyed report of <shared>/reports; exit 1, saying where it looked, when there is none."""
    scorer = shared / "tools" / "score_warehouse.py"
    keyed = find_keyed(shared)
    problem = nothing_to_score(shared, scorer, keyed)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"{len(keyed)} reports with an answer key in {shared / 'reports'}, scored by {scorer}", file=sys.stderr)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for report, gold in keyed:
            results[report.stem] = score_report(report, gold, scorer, Path(tmp))
    print(format_table(results))
    if verbose:
        for name, r in results.items():
            print(f"\n## {name}")
            for key in ("ratio_missed", "value_missed", "nonfact_examples", "mismatch_missed", "false_alarm_examples"):
                if r.get(key):
                    print(f"{key}:")
                    for item in r[key]:
                        print(f"  {item}")
    return 0
