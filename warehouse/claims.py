"""The key of the claim a check tests (checks.claim_key): what reviewers' decisions are stored under.

A check row is rebuilt with a new id by `reextract` and by a new version of its report (its offsets
move), yet a reviewer's decision must still find it. The key is the report, the check code and the
claim's words: the words of the claim's sentence and of the claim as printed, lower-cased, with every
number masked as # (so a claim whose figures are corrected keeps its key, and the page can say the
error was fixed), footnote markers and punctuation dropped; the n-th of several claims of a report with
the same code and words is told apart by n, in text order. md5 of all that is the key.

It is computed once, when the checks are made (run_checks), for every check of the reports checked:
the numbering needs all of a report's checks, and run_checks always makes them all. A warehouse
whose checks predate the column gets its keys the next time it is opened for writing.
"""
from __future__ import annotations

import duckdb


def words(expression: str) -> str:
    """SQL for the normalised words of a text: lower-cased, NFC, footnote markers dropped, every number
    (digits with their '.' and ',') masked as #, any run of other characters one space."""
    return ("trim(regexp_replace(regexp_replace(regexp_replace(lower(nfc_normalize(coalesce(" + expression
            + ", ''))), '[⁰¹²³⁴⁵⁶⁷⁸⁹]+', '', 'g'), '\\p{N}[\\p{N}.,]*', '#', 'g'), '[^\\p{L}\\p{M}#]+', ' ', 'g'))")


KEYS = f"""
with claims as (
    select c.report_id, c.check_id, c.rule_id, f.char_start,
           {words("coalesce(s.text, f.raw)")} as sentence_words,
           {words("f.raw")} as claim_words
    from <table> as c
    left join facts as f on f.fact_id = c.fact_ids[1]
    left join sentences as s on s.report_id = f.report_id and s.sentence_no = f.sentence_no
    where <which>
),
numbered as (
    select *, row_number() over (partition by report_id, rule_id, sentence_words, claim_words
                                 order by char_start, check_id) as occurrence
    from claims
)
select check_id, md5(concat_ws('|', report_id, coalesce(rule_id, ''), sentence_words, claim_words,
                               occurrence::varchar)) as claim_key
from numbered
"""


def key_claims(con: duckdb.DuckDBPyConnection, table: str = "checks", which: str = "true") -> None:
    """Set claim_key on the rows of `table` (checks, or run_checks' _new_checks) that `which` selects
    (SQL over the alias c); `which` must take every check of a report or none of them."""
    con.execute(f"""
        update {table} set claim_key = k.claim_key
        from ({KEYS.replace("<table>", table).replace("<which>", which)}) as k
        where {table}.check_id = k.check_id
    """)


def key_unkeyed_claims(con: duckdb.DuckDBPyConnection) -> None:
    """Keys for the checks of any report that has checks without one (made before the column existed)."""
    if con.execute("select 1 from checks where claim_key is null limit 1").fetchone() is None:
        return
    key_claims(con, "checks", "c.report_id in (select report_id from checks where claim_key is null)")


def claim_words(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The words of a text as the key sees them (for tests and for a reader wondering why two claims
    share a key).

    >>> claim_words(duckdb.connect(), "Tổng giá trị đạt 575 tỷ đồng, bằng 96,63% so với cùng kỳ⁶.")
    'tổng giá trị đạt # tỷ đồng bằng # so với cùng kỳ'
    """
    return con.execute(f"select {words('$1')}", [text]).fetchone()[0]
