"""solieu command line: python -m pipeline ingest|report|review|explain|rules|checks|sql ..."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULT_WAREHOUSE = Path("warehouse/warehouse.duckdb")
RULES_ENV = "SOLIEU_RULES"
EXIT_FAILED, EXIT_REFUSED, EXIT_BUSY = 1, 2, 3   # EXIT_UNUSABLE (4): warehouse/damage.py
LIMIT_OPTIONS = {"max_bytes": "refuse a file larger than N bytes",
                 "max_pages": "refuse a document with more than N pages",
                 "max_page_chars": "refuse a page with more than N characters",
                 "max_facts": "refuse a report that yields more than N facts"}


def rules_dir_of(args) -> Path | None:
    """The rules folder: --rules, else $SOLIEU_RULES, else None (the project's rules/)."""
    chosen = getattr(args, "rules", None) or os.environ.get(RULES_ENV)
    return Path(chosen) if chosen else None


def say(message: str) -> None:
    """Progress for a human (waiting for the warehouse ...): stderr, so query output stays clean."""
    print(message, file=sys.stderr, flush=True)


def cmd_ingest(args) -> int:
    import time
    from extract.reading.limits import LimitError, choose_limits
    from extract.rulebook import RulebookError
    from pipeline.run import ReportIdError, ingest, summarize
    from pipeline.timing import StageClock, format_timings
    from warehouse.checks import CheckError
    started, clock = time.perf_counter(), StageClock()
    paths = [Path(p) for p in args.paths]
    progress = progress_line(paths) if sys.stdout.isatty() else None
    try:
        limits = choose_limits({name: getattr(args, name) for name in LIMIT_OPTIONS})
        apply_ocr_options(args)
        outcomes = ingest(paths, Path(args.warehouse), log=show_progress, rules_dir=rules_dir_of(args),
                          wait=args.wait, limits=limits, workers=args.workers, clock=clock, on_outcome=progress,
                          batch=args.batch, report_id=args.report_id)
    except (LimitError, ReportIdError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (RulebookError, CheckError) as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            progress.close()
    print(summarize(outcomes))
    for line in describe_pages(outcomes, Path(args.warehouse)):
        print(line)
    if args.timings:
        print(format_timings(clock.seconds, time.perf_counter() - started, clock.workers), file=sys.stderr)
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def describe_pages(outcomes, warehouse: Path, shown: int = 3) -> list[str]:
    """Where to look: the index of every report, and the pages of the reports this run ingested (the
    per-file lines that name them are not printed on a terminal)."""
    from pipeline.index import INDEX_NAME
    from pipeline.report import report_dir_for
    out_dir = report_dir_for(warehouse)
    lines = []
    if (out_dir / INDEX_NAME).exists():
        lines.append(f"index of the reports: {out_dir / INDEX_NAME}")
    pages = [o.report_path for o in outcomes if o.status == "ingested" and o.report_path]
    if pages:
        more = f" and {len(pages) - shown} more in {out_dir}" if len(pages) > shown else ""
        lines.append(f"report page{'s' if len(pages) > 1 else ''}: {', '.join(pages[:shown])}{more}")
    return lines


def apply_ocr_options(args) -> None:
    """--ocr and --ocr-confidence into the environment the reader (and the worker processes) read
    (extract/reading/ocr.py ocr_settings); a bad value raises OcrSettingError, a LimitError."""
    from extract.reading.ocr import CONFIDENCE_ENV, MODE_ENV, ocr_settings
    if getattr(args, "ocr", False):
        os.environ[MODE_ENV] = "force"
    if getattr(args, "ocr_confidence", None) is not None:
        os.environ[CONFIDENCE_ENV] = args.ocr_confidence
    ocr_settings()


def add_ocr_confidence_option(parser) -> None:
    parser.add_argument("--ocr-confidence", metavar="N",
                        help="a number read by OCR with a word confidence below N (0-100) is uncertain: a check "
                             "citing it is unverifiable (default: $SOLIEU_OCR_CONFIDENCE, else 80)")


def progress_line(paths: list[Path]):
    """On a terminal, one line rewritten in place instead of a line per report (pipeline/progress.py)."""
    from pipeline.progress import ProgressLine
    from pipeline.run import collect_files
    return ProgressLine(len(collect_files(paths)[0]))


def show_progress(line: str) -> None:
    """Ingest's lines as they come: a file that failed goes to stderr as `error: <path>: <problem>: <what
    to do>`, the others to stdout."""
    print(line, file=sys.stderr if line.startswith("error: ") else sys.stdout, flush=True)


def cmd_remove(args) -> int:
    """Take a report (its current version, or all with --all-versions) out of the warehouse; exit 1 when
    the warehouse has no such report."""
    from pipeline.remove import UnknownReport, remove_report, summarize_removal
    try:
        removal = remove_report(Path(args.warehouse), args.report_id, args.all_versions, args.wait,
                                log=lambda line: print(line, flush=True), say=say)
    except UnknownReport as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summarize_removal(removal))
    return 0


def cmd_bench(args) -> int:
    from pipeline.bench import run_command
    return run_command(args)


def add_bench_options(parser) -> None:
    from pipeline.bench import add_arguments
    add_arguments(parser)


def cmd_lake(args) -> int:
    """The per-document stage on a Dask cluster, into a lake of Parquet files (pipeline/lake.py)."""
    from extract.reading.limits import LimitError, choose_limits
    from extract.rulebook import RulebookError
    from pipeline.lake import LakeBusy, Progress, run_lake, summarize_lake
    from warehouse.checks import CheckError
    progress = Progress()
    try:
        limits = choose_limits({name: getattr(args, name) for name in LIMIT_OPTIONS})
        result = run_lake(args.sources, Path(args.lake), args.scheduler, args.workers, args.batch,
                          rules_dir_of(args), limits, log=say, progress=progress)
    except LimitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (RulebookError, CheckError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except LakeBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except KeyboardInterrupt:   # before the batches were sent: nothing was written
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        progress.close()
    print(summarize_lake(result, Path(args.lake)))
    if result.workers:
        workers = f"{result.workers} worker{'s' if result.workers != 1 else ''}"
        where = f"{workers} at {args.scheduler}" if args.scheduler else f"local, {workers}"
        print(f"cluster: {where}, ready in {result.cluster_seconds:.2f}s", file=sys.stderr)
    if result.interrupted:
        return 130
    return 1 if result.refused or result.count("failed") else 0


def cmd_lake_load(args) -> int:
    """Load a lake into the warehouse, settle the checks across reports, write the pages (pipeline/lake_load.py)."""
    from pipeline.lake_load import NoLake, lake_load, summarize_load
    try:
        result = lake_load(Path(args.lake), Path(args.warehouse), rules_dir_of(args), args.wait, log=say)
    except NoLake as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for row, why in result.skipped:
        print(f"skipped {row['path']}: {why}")
    print(summarize_load(result, Path(args.lake), Path(args.warehouse)))
    if result.versions - {result.version}:
        say(f"note: the lake was made with rules {', '.join(sorted(result.versions - {result.version}))}, this checkout "
            f"has {result.version}: run `make reextract` to bring the loaded reports to these rules")
    for problem in result.unwritten:
        print(f"error: consistency report not written: {problem}: free space (or fix the folder) and run `make report`",
              file=sys.stderr)
    return 1 if result.unwritten else 0


def cmd_report(args) -> int:
    from pipeline.index import write_index
    from pipeline.report import report_dir_for, write_reports
    from warehouse.lock import connect_reader
    con = connect_reader(Path(args.warehouse), args.wait, say)
    ids = args.report or [r[0] for r in con.execute("select report_id from reports order by 1").fetchall()]
    out_dir = Path(args.out) if args.out else report_dir_for(Path(args.warehouse))
    for report_id in ids:
        paths = write_reports(con, report_id, out_dir)
        print(f"{report_id}: {paths['html']} {paths['md']} {paths['csv']}")
    print(f"index of the reports: {write_index(con, out_dir)}")
    return 0


def cmd_review(args) -> int:
    """Store a reviewer's decision (or the decisions of a file exported from a page), then write the
    pages of the reports concerned and the index again, so they show it."""
    from pipeline.index import write_index
    from pipeline.report import report_dir_for, reports_data, write_reports
    from pipeline.review import ReviewError, decide, describe, import_decisions, store
    from pipeline.run import roll_back, writing_warehouse
    warehouse = Path(args.warehouse)
    if bool(args.check) == bool(args.import_file):
        print("error: name one check (review CHECK_ID --as …) or one file (review --import FILE)", file=sys.stderr)
        return 2
    if args.check and not args.clear and not args.verdict:
        print("error: say the decision: --as confirmed|false_alarm|explained (or --clear to withdraw one)", file=sys.stderr)
        return 2
    if args.clear and (args.verdict or args.import_file):
        print("error: --clear withdraws the decision on one check: give it alone with the check", file=sys.stderr)
        return 2
    if not warehouse.exists():
        print(f"error: no warehouse at {warehouse}: run `make ingest` first", file=sys.stderr)
        return 1
    with writing_warehouse(warehouse, args.wait, say) as con:
        con.execute("begin transaction")
        try:
            unknown = 0
            if args.import_file:
                imported = import_decisions(con, Path(args.import_file), args.by)
                decisions, unknown = imported.decisions, imported.unknown_claims
            else:
                decisions = [decide(con, args.check, None if args.clear else args.verdict, args.note, args.by)]
            added = store(con, decisions)
            con.execute("commit")
        except ReviewError as exc:
            roll_back(con)
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except BaseException:
            roll_back(con)
            raise
        con.publish()   # the pages below tell of the warehouse readers open from now on
        for decision in decisions:
            print(describe(decision))
        if args.import_file:
            print(f"imported {added} decision{'s' if added != 1 else ''} from {args.import_file}"
                  + (f" ({len(decisions) - added} already stored)" if len(decisions) > added else "")
                  + (f"; {unknown} for claims no check tests now (kept, shown in v_reviews as gone)" if unknown else ""))
        out_dir = report_dir_for(warehouse)
        reports = sorted({d.report_id for d in decisions})
        try:
            data = reports_data(con, reports) if reports else {}
            for report_id in reports:
                print(f"{report_id}: {write_reports(con, report_id, out_dir, data[report_id])['html']}")
            print(f"index of the reports: {write_index(con, out_dir)}")
        except OSError as exc:
            print(f"error: the decisions are stored, but the pages could not be written to {out_dir} "
                  f"({exc.strerror or exc}): fix the folder and run `make report`", file=sys.stderr)
            return 1
    return 0


def cmd_explain(args) -> int:
    from pipeline.explain import FactNotFound, explain_fact
    try:
        print(explain_fact(args.warehouse, args.fact_id))
    except FactNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def cmd_rules(args) -> int:
    """The rules with their example counts, once every rule file loads and every case holds (exit 2
    and the problems on stderr otherwise)."""
    from extract.cases import load_checked_rulebook
    from extract.rulebook import RulebookError
    try:
        book = load_checked_rulebook(rules_dir_of(args))
    except RulebookError as exc:
        print(exc, file=sys.stderr)
        return 2
    for rule in book.rules:
        n_ex = sum(c.kind == "example" for c in rule.cases)
        n_cx = len(rule.cases) - n_ex
        n_xfail = sum(bool(c.xfail) for c in rule.cases)
        print(f"{rule.code}  {rule.kind:<9} p{rule.priority:<3} {rule.name:<45} {n_ex} examples, {n_cx} counterexamples"
              + (f" ({n_xfail} known to fail)" if n_xfail else ""))
    print(f"rules version {book.version}")
    return 0


def cmd_checks(args) -> int:
    """The checks in run order with their type's title and their examples; exit 2 when one is broken."""
    from warehouse.checks import CHECKS_DIR, checks_version, load_checks, type_titles
    folder = Path(args.dir) if args.dir else CHECKS_DIR
    checks = load_checks(folder)
    width = {field: max((len(getattr(c, field)) for c in checks), default=0)
             for field in ("type", "severity", "title", "name")}
    for number, check in enumerate(checks, 1):
        columns = "  ".join(getattr(check, field).ljust(n) for field, n in width.items())
        after = f"  after {', '.join(check.after)}" if check.after else ""
        print(f"{number:>2}. {check.code}  {columns}  {len(check.flags)} flags, {len(check.passes)} passes{after}")
        if args.verbose:
            for kind in ("given", "flags", "passes"):
                for text in getattr(check, kind):   # as the header writes it, with \n and \t
                    written = text.replace("\n", "\\n").replace("\t", "\\t")
                    print(f"      {kind + ':':<7} {written}")
    titles = type_titles(checks)
    print("types in the report, in this order: " + " · ".join(f"{title} ({t})" for t, title in titles.items()))
    print(f"checks version {checks_version(folder)}")
    return 0


def cmd_sql(args) -> int:
    from pipeline.sql import ShellMissing, open_shell
    try:
        return open_shell(Path(args.warehouse), args.query, args.wait, say)
    except (FileNotFoundError, ShellMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def cmd_reextract(args) -> int:
    from extract.rulebook import RulebookError
    from pipeline.reextract import format_change, reextract, summarize_reextraction
    from extract.reading.limits import LimitError
    from warehouse.checks import CheckError
    try:
        apply_ocr_options(args)
        result = reextract(Path(args.warehouse), rules_dir_of(args), args.wait, say, args.workers)
    except LimitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (RulebookError, CheckError) as exc:
        print(exc, file=sys.stderr)
        return 2
    for change in result.changes:
        print("\n".join(format_change(change)))
    print(summarize_reextraction(result))
    return 0


def cmd_export(args) -> int:
    from pipeline.export import export_warehouse
    written = export_warehouse(Path(args.warehouse), Path(args.out), args.wait, say)
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0


def cmd_docs(args) -> int:
    from pipeline.docs import build_warehouse_doc, write_warehouse_doc
    out = Path(args.out)
    if args.check:
        if out.exists() and out.read_text(encoding="utf-8") == build_warehouse_doc():
            return 0
        print(f"error: {out} is out of date with warehouse/schema.sql and views.sql: run `make docs`", file=sys.stderr)
        return 1
    changed = write_warehouse_doc(out)
    print(f"{out}: {'written' if changed else 'unchanged'}")
    return 0


def cmd_eval(args) -> int:
    from pipeline.evaluate import main as evaluate
    return evaluate(Path(args.shared), args.verbose)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline",
                                     description="Numeric facts and consistency checks for Vietnamese government reports.",
                                     epilog=exit_codes_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=VersionAction,
                        help="print the version of solieu, of the rules and of the checks, and exit")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="read report files into the warehouse, run the checks, write the reports",
                       epilog="Put -- before paths that start with a dash: ingest -- -x.txt. "
                              "Exit codes: python -m pipeline --help")
    p.add_argument("paths", nargs="*", default=["raw_reports"], help="files or folders (default: raw_reports/)")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE), help="DuckDB file (default: %(default)s)")
    add_rules_option(p)
    add_wait_option(p)
    add_limit_options(p)
    add_workers_option(p, "processes that read and extract reports")
    p.add_argument("--batch", type=int, metavar="N",
                   help="reports loaded and checked in one transaction (default: $SOLIEU_BATCH, else 16; "
                        "1: each report in its own)")
    p.add_argument("--timings", action="store_true", help="print the seconds spent in each stage (stderr)")
    p.add_argument("--as", dest="report_id", metavar="REPORT_ID",
                   help="the report the one file given is (default: its file name without extension); "
                        "a file of other content than the report's current version is its new version")
    p.add_argument("--ocr", action="store_true",
                   help="read every page of a PDF by OCR (Tesseract, Vietnamese), whatever its text layer says; "
                        "without it, only pages without a usable text layer are (default: $SOLIEU_OCR, else auto)")
    add_ocr_confidence_option(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("remove", help="take a report out of the warehouse: its current version (the one before "
                                      "becomes current again), or all its versions")
    p.add_argument("report_id", metavar="REPORT_ID")
    p.add_argument("--all-versions", action="store_true",
                   help="remove every version of the report, not only the current one")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE), help="DuckDB file (default: %(default)s)")
    add_wait_option(p)
    p.set_defaults(func=cmd_remove)
    p = sub.add_parser("lake", help="read, extract and check reports on a Dask cluster into a lake of Parquet files "
                                    "(docs/scale.md)",
                       epilog="Sources are files, folders or quoted glob patterns, at paths every worker sees. "
                              "A rerun skips what the lake holds and redoes what failed.")
    p.add_argument("sources", nargs="+", help="files, folders or glob patterns ('/data/**/*.pdf')")
    p.add_argument("--lake", required=True, metavar="DIR", help="the lake's folder (on storage the workers share)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running Dask scheduler (default: a local "
                                                                       "cluster started for the run)")
    add_workers_option(where, "worker processes of the local cluster")
    p.add_argument("--batch", type=int, metavar="N", help="files per task (default: $SOLIEU_LAKE_BATCH, else 64)")
    add_rules_option(p)
    add_limit_options(p)
    p.set_defaults(func=cmd_lake)

    p = sub.add_parser("lake-load", help="load a lake into the warehouse, run the checks across reports, write the "
                                         "reports (docs/scale.md)")
    p.add_argument("--lake", required=True, metavar="DIR")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE))
    add_rules_option(p)
    add_wait_option(p)
    p.set_defaults(func=cmd_lake_load)

    p = sub.add_parser("bench", help="time the whole ingest on a generated corpus beside the floors it cannot beat")
    add_bench_options(p)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("report", help="regenerate the consistency reports (HTML, Markdown, CSV)")
    p.add_argument("report", nargs="*", help="report ids (default: all)")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE))
    p.add_argument("--out", help="output folder (default: beside the warehouse, in reports/)")
    add_wait_option(p, reader=True)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("review", help="record a reviewer's decision on a check (it follows the claim across "
                                      "reextract and new versions), or import the decisions exported from a page",
                       epilog="Decisions: confirmed (the error is real), false_alarm (the check is wrong), explained "
                              "(a real difference the report accounts for). See docs/review.md.")
    p.add_argument("check", nargs="?", metavar="CHECK_ID",
                   help="the check (check_id in the report's CSV and in v_mismatches), or its claim key")
    p.add_argument("--as", dest="verdict", choices=("confirmed", "false_alarm", "explained"), help="the decision")
    p.add_argument("--note", help="why (stored with the decision, shown on the page)")
    p.add_argument("--by", help="who decides (default: $SOLIEU_REVIEWER, else the login name; for --import, "
                                "when the file names nobody)")
    p.add_argument("--clear", action="store_true", help="withdraw the decision on this check's claim")
    p.add_argument("--import", dest="import_file", metavar="FILE",
                   help="store the decisions of a JSON file exported from a report page (button Xuất)")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE))
    add_wait_option(p)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("explain", help="show a fact with its sentence, section, page and line")
    p.add_argument("fact_id")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE))
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("rules", help="list the rules with their example counts")
    add_rules_option(p)
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("checks", help="list the checks in run order with their titles and example counts")
    p.add_argument("-v", "--verbose", action="store_true", help="show each check's examples too")
    p.add_argument("--dir", help="a folder of check files (default: warehouse/checks/)")
    p.set_defaults(func=cmd_checks)

    p = sub.add_parser("sql", help="the DuckDB shell on the warehouse, read-only; -c runs one query")
    p.add_argument("-c", "--query", help="run this SQL, print the result as a table and exit")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE))
    add_wait_option(p, reader=True)
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("reextract", help="rebuild every report's facts and checks from the stored text with the "
                                         "current rules (all of them or, on an error, none) and print what changed")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE))
    add_rules_option(p)
    add_wait_option(p)
    add_workers_option(p, "processes that extract reports")
    add_ocr_confidence_option(p)
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("export", help="write facts and checks as Parquet (partitioned by year and locality) and CSV")
    p.add_argument("--out", default="warehouse/export", help="output folder (default: %(default)s)")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE))
    add_wait_option(p, reader=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("docs", help="write docs/warehouse.md from the comments of warehouse/schema.sql and views.sql")
    p.add_argument("--out", default="docs/warehouse.md", help="the page to write (default: %(default)s)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when the page is out of date")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("eval", help="score the development reports against their answer keys")
    p.add_argument("--shared", default="../shared", help="the shared folder with reports/ and tools/")
    p.add_argument("-v", "--verbose", action="store_true", help="list what was missed and the false alarms")
    p.set_defaults(func=cmd_eval)

    args = parser.parse_args(argv)
    import duckdb
    from warehouse.checks import CheckError
    from warehouse.damage import EXIT_UNUSABLE, WarehouseUnusable, explain_failure
    from warehouse.lock import WarehouseBusy
    try:
        return args.func(args)
    except CheckError as exc:   # a broken check file, met by any command that reads them (`checks`, `report`)
        print(exc, file=sys.stderr)
        return 2
    except WarehouseBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except WarehouseUnusable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except duckdb.Error as exc:   # damage met by a reading command's query: the same one line
        unusable = explain_failure(Path(getattr(args, "warehouse", DEFAULT_WAREHOUSE)), exc)
        if unusable is None:
            raise
        print(f"error: {unusable}", file=sys.stderr)
        return EXIT_UNUSABLE


def exit_codes_help() -> str:
    """The exit codes, for --help (docs/operations.md has them with examples)."""
    from warehouse.damage import EXIT_UNUSABLE
    return f"""exit codes:
  0  done; every file ingested or skipped (mismatches found in a report are results, not failures)
  {EXIT_FAILED}  a file could not be ingested, or its report not written (one `error:` line each; the other
     files are ingested); a command found nothing to work on: no such fact (explain), no warehouse
     (sql; else the duckdb shell's own code), no reports to score or time (eval, bench);
     docs --check: the page is out of date
  {EXIT_REFUSED}  refused before anything was read: broken rule or check files, a limit that is not a number,
     a command line that does not parse
  {EXIT_BUSY}  the warehouse is held by another process for longer than --wait; it is not touched
  {EXIT_UNUSABLE}  the warehouse is unusable: damaged, or its disk is full
every command: python -m pipeline <command> --help"""


class VersionAction(argparse.Action):
    """--version: solieu's version (pyproject.toml), and the versions of the rules and checks that the
    facts and checks of an ingest now would record (reports.rules_version); exit 2 when the rules are broken."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from extract.rulebook import RulebookError, load_rulebook
        from extract.rulebook.load import RULES_DIR
        from warehouse.checks import CHECKS_DIR, checks_version
        rules = rules_dir_of(namespace) or RULES_DIR
        checks = checks_version()
        print(f"solieu {package_version()}")
        try:
            rules_version = load_rulebook(rules).version
        except RulebookError as exc:
            n = len(exc.problems)
            print(f"rules {rules}: refused ({n} problem{'s' if n > 1 else ''}: python -m pipeline rules lists them)")
            print(f"checks {checks} ({CHECKS_DIR})")
            parser.exit(EXIT_REFUSED)
        print(f"rules {rules_version} ({rules})")
        print(f"checks {checks} ({CHECKS_DIR})")
        print(f"an ingest now records rules_version {rules_version}-{checks}")
        parser.exit(0)


def package_version() -> str:
    """The version in pyproject.toml beside the code (a checkout), else the installed package's."""
    import tomllib
    from importlib.metadata import PackageNotFoundError, version
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        try:
            return version("solieu")
        except PackageNotFoundError:
            return "unknown"


def add_rules_option(parser) -> None:
    parser.add_argument("--rules", help=f"rules folder (default: ${RULES_ENV}, else the project's rules/)")


def add_limit_options(parser) -> None:
    """--max-bytes, --max-pages, --max-page-chars, --max-facts (extract/reading/limits.py): refuse a file beyond them."""
    from extract.reading.limits import MIB, SETTINGS, Limits
    defaults = Limits()
    for name, (env, flag) in SETTINGS.items():
        default = getattr(defaults, name)
        shown = f"{default // MIB}M" if name == "max_bytes" else default
        parser.add_argument(flag, dest=name, metavar="N",
                            help=f"{LIMIT_OPTIONS[name]} (default: ${env}, else {shown}; k/M/G suffixes allowed)")


def add_workers_option(parser, what: str) -> None:
    parser.add_argument("--workers", type=int, metavar="N",
                        help=f"{what} (default: $SOLIEU_WORKERS, else one per core; 0: none, all in this process)")


def add_wait_option(parser, reader: bool = False) -> None:
    if reader:   # an ingest never holds the file a reader opens (warehouse/publish.py)
        parser.add_argument("--wait", type=float, metavar="SECONDS",
                            help="how long to wait while another process holds the warehouse read-write, "
                                 "e.g. a shell opened without -readonly (default: fail at once; an ingest "
                                 "never makes a reader wait)")
        return
    parser.add_argument("--wait", type=float, metavar="SECONDS",
                        help="how long to wait for another writer, or while another process holds the warehouse "
                             "read-write (default: $SOLIEU_LOCK_TIMEOUT, else 600)")


if __name__ == "__main__":
    exit_code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Every command has closed its warehouse and files and joined its workers by now. What the
    # interpreter would still do is free the objects of the run one by one (0.1-0.3 s after a batch).
    os._exit(exit_code)
