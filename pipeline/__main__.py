"""solieu command line: python -m pipeline ingest|report|explain|rules|sql ..."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_WAREHOUSE = Path("warehouse/warehouse.duckdb")


def cmd_ingest(args) -> int:
    from extract.rulebook import RulebookError
    from pipeline.run import ingest, summarize
    from warehouse.checks import CheckError
    try:
        outcomes = ingest([Path(p) for p in args.paths], Path(args.warehouse))
    except (RulebookError, CheckError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(summarize(outcomes))
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        print(f"error: {o.path}: {o.message}", file=sys.stderr)
    return 1 if failed else 0


def cmd_report(args) -> int:
    import duckdb
    from pipeline.report import report_dir_for, write_reports
    con = duckdb.connect(args.warehouse, read_only=True)
    ids = args.report or [r[0] for r in con.execute("select report_id from reports order by 1").fetchall()]
    for report_id in ids:
        paths = write_reports(con, report_id, Path(args.out) if args.out else report_dir_for(Path(args.warehouse)))
        print(f"{report_id}: {paths['html']} {paths['md']} {paths['csv']}")
    return 0


def cmd_explain(args) -> int:
    from pipeline.explain import explain_fact
    print(explain_fact(args.warehouse, args.fact_id))
    return 0


def cmd_rules(args) -> int:
    from extract.rulebook import load_rulebook
    book = load_rulebook()
    for rule in book.rules:
        n_ex = sum(c.kind == "example" for c in rule.cases)
        n_cx = len(rule.cases) - n_ex
        print(f"{rule.code}  {rule.kind:<9} p{rule.priority:<3} {rule.name:<45} {n_ex} examples, {n_cx} counterexamples")
    print(f"rules version {book.version}")
    return 0


def cmd_eval(args) -> int:
    from pipeline.evaluate import main as evaluate
    return evaluate(Path(args.shared), args.verbose)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline",
                                     description="Numeric facts and consistency checks for Vietnamese government reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="read report files into the warehouse, run the checks, write the reports")
    p.add_argument("paths", nargs="*", default=["raw_reports"], help="files or folders (default: raw_reports/)")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE), help="DuckDB file (default: %(default)s)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("report", help="regenerate the consistency reports (HTML, Markdown, CSV)")
    p.add_argument("report", nargs="*", help="report ids (default: all)")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE))
    p.add_argument("--out", help="output folder (default: beside the warehouse, in reports/)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("explain", help="show a fact with its sentence, section, page and line")
    p.add_argument("fact_id")
    p.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE))
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("rules", help="list the rules with their example counts")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("eval", help="score the development reports against their answer keys")
    p.add_argument("--shared", default="../shared", help="the shared folder with reports/ and tools/")
    p.add_argument("-v", "--verbose", action="store_true", help="list what was missed and the false alarms")
    p.set_defaults(func=cmd_eval)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
