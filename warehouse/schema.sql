-- solieu warehouse schema. Names here are a contract: later versions add, never rename.
-- Offsets (char_start, char_end) point into reports.text, the report's normalised text;
-- line is the 1-based line of the source text file (for a PDF, the line within its page).

create table if not exists reports (
    report_id      varchar primary key,
    source_path    varchar not null,
    sha256         varchar not null unique,
    title          varchar,
    ingested_at    timestamp not null,
    fmt            varchar,
    pages          integer,
    encoding       varchar,
    locality       varchar,
    year           integer,
    period         varchar,
    text           varchar not null,
    fixes          varchar[],
    rules_version  varchar,
    version        integer default 1
);
comment on table reports is 'One row per report: its current version, the file last ingested under its report_id. Earlier versions are in superseded.reports, with the rows of every table that were theirs (see v_report_versions).';
comment on column reports.report_id is 'Stable id of the report: the file name without extension, or the id given with `ingest --as`. A file with other content under an existing id is a new version of that report, replacing the current one here.';
comment on column reports.source_path is 'Path of the source file as given to ingest.';
comment on column reports.sha256 is 'SHA-256 of the file bytes; a file whose hash is already here (or in superseded.reports) is skipped.';
comment on column reports.title is 'Report title: the first heading-like line after "BÁO CÁO", or the first line.';
comment on column reports.ingested_at is 'When the report was loaded (UTC).';
comment on column reports.fmt is 'Source format: txt, pdf or docx.';
comment on column reports.pages is 'Number of pages (1 for a text file without form feeds).';
comment on column reports.encoding is 'Text encoding detected in the source.';
comment on column reports.locality is 'Issuing locality or office, when the header names it (e.g. "thành phố Bắc Kạn").';
comment on column reports.year is 'Reporting year, when the title states it.';
comment on column reports.period is 'Reporting period as printed in the title: "năm", "9 tháng", "6 tháng".';
comment on column reports.text is 'Normalised text of the report; every char_start/char_end offset points into it.';
comment on column reports.fixes is 'Names of the text fixes that changed the source (strip_html_tags, rejoin_sentences_across_footnotes, ...).';
comment on column reports.rules_version is 'Hash of the rule files that produced this report''s facts and checks.';
comment on column reports.version is 'Version of the report: 1 for the first file ingested under its report_id, one more for each file of other content ingested under it since (superseded.reports holds the earlier ones).';

create table if not exists line_map (
    report_id   varchar not null,
    char_start  integer not null,
    char_end    integer not null,
    page        integer not null,
    line        integer not null
);
comment on table line_map is 'Maps each stretch of reports.text back to the page and line of the source file.';
comment on column line_map.report_id is 'Report the stretch belongs to.';
comment on column line_map.char_start is 'Start offset in reports.text (inclusive).';
comment on column line_map.char_end is 'End offset in reports.text (exclusive).';
comment on column line_map.page is 'Source page, 1-based.';
comment on column line_map.line is 'Source line, 1-based (within the page for a PDF).';

create table if not exists sections (
    report_id   varchar not null,
    block_no    integer not null,
    kind        varchar not null,
    char_start  integer not null,
    char_end    integer not null,
    page        integer,
    line        integer,
    section     varchar,
    footnote    integer
);
comment on table sections is 'Blocks of the report (headings, paragraphs, footnote bodies, table rows) with their section path.';
comment on column sections.report_id is 'Report the block belongs to.';
comment on column sections.block_no is '0-based order of the block in reports.text.';
comment on column sections.kind is 'heading, paragraph, footnote or table.';
comment on column sections.char_start is 'Start offset in reports.text.';
comment on column sections.char_end is 'End offset in reports.text.';
comment on column sections.page is 'Source page of the block''s first character.';
comment on column sections.line is 'Source line of the block''s first character.';
comment on column sections.section is 'Section path such as "A > I > 3 > 3.2".';
comment on column sections.footnote is 'Footnote number, for footnote bodies.';

create table if not exists sentences (
    report_id    varchar not null,
    sentence_no  integer not null,
    kind         varchar not null,
    char_start   integer not null,
    char_end     integer not null,
    page         integer,
    line         integer,
    section      varchar,
    footnote     integer,
    text         varchar
);
comment on table sentences is 'Sentences of the report; a sentence cut by a page break or a footnote is rejoined.';
comment on column sentences.report_id is 'Report the sentence belongs to.';
comment on column sentences.sentence_no is '0-based order of the sentence.';
comment on column sentences.kind is 'body, footnote, heading or table.';
comment on column sentences.char_start is 'Start offset in reports.text.';
comment on column sentences.char_end is 'End offset in reports.text.';
comment on column sentences.page is 'Source page of its first character.';
comment on column sentences.line is 'Source line of its first character.';
comment on column sentences.section is 'Section path of the sentence.';
comment on column sentences.footnote is 'Footnote number when the sentence is part of a footnote body.';
comment on column sentences.text is 'The sentence text (= reports.text[char_start:char_end]).';

create table if not exists footnotes (
    report_id     varchar not null,
    number        integer not null,
    char_start    integer not null,
    char_end      integer not null,
    page          integer,
    line          integer,
    marker_start  integer,
    sentence_no   integer,
    text          varchar
);
comment on table footnotes is 'Footnote bodies, moved out of the running text, linked to the sentence carrying their marker.';
comment on column footnotes.report_id is 'Report the footnote belongs to.';
comment on column footnotes.number is 'Footnote number as printed (the superscript).';
comment on column footnotes.char_start is 'Start offset of the body (after the marker) in reports.text.';
comment on column footnotes.char_end is 'End offset of the body.';
comment on column footnotes.page is 'Source page of the body.';
comment on column footnotes.line is 'Source line of the body.';
comment on column footnotes.marker_start is 'Offset of the marker in the running text, when found.';
comment on column footnotes.sentence_no is 'Sentence that carries the marker.';
comment on column footnotes.text is 'Footnote body text.';

create table if not exists table_rows (
    report_id   varchar not null,
    table_no    integer not null,
    row_no      integer not null,
    char_start  integer not null,
    char_end    integer not null,
    page        integer,
    line        integer,
    header      boolean,
    cells       varchar[]
);
comment on table table_rows is 'Rows of the tables (the annex), cells as printed.';
comment on column table_rows.report_id is 'Report the row belongs to.';
comment on column table_rows.table_no is '1-based table number in the report.';
comment on column table_rows.row_no is '1-based row number within the table (header included).';
comment on column table_rows.char_start is 'Start offset of the row in reports.text.';
comment on column table_rows.char_end is 'End offset of the row.';
comment on column table_rows.page is 'Source page.';
comment on column table_rows.line is 'Source line.';
comment on column table_rows.header is 'True for a header row.';
comment on column table_rows.cells is 'Cell texts in column order.';

-- facts.fact_id and checks.check_id are unique by construction, not declared primary keys: DuckDB
-- keeps a key's index in memory, and for these two tables it grows with the archive (under a
-- 128 MB cap, a batch of a thousand reports ran out of memory in them). tests/warehouse/test_memory_cap.py
-- checks that they stay unique.
create table if not exists facts (
    fact_id           varchar not null,
    report_id         varchar not null,
    kind              varchar not null,
    label             varchar,
    value             double,
    unit              varchar,
    plan              double,
    percent           double,
    percent_decimals  integer,
    base              varchar,
    raw               varchar not null,
    line              integer,
    page              integer,
    char_start        integer not null,
    char_end          integer not null,
    rule_id           varchar not null,
    value_exact       decimal(38, 6),
    plan_exact        decimal(38, 6),
    value_raw         varchar,
    plan_raw          varchar,
    percent_raw       varchar,
    value_tolerance   double,
    plan_tolerance    double,
    unit_raw          varchar,
    base_raw          varchar,
    change            varchar,
    comparator        varchar,
    qualifier         varchar,
    value_high        double,
    percent_low       double,
    delta             double,
    delta_raw         varchar,
    indicator         varchar,
    period            varchar,
    status            varchar,
    flag              varchar,
    assessment        varchar,
    stt               varchar,
    table_row         integer,
    previous          double,
    plan_source       varchar,
    plan_fact_id      varchar,
    value_fact_id     varchar,
    total_fact_id     varchar,
    breakdown         varchar,
    share_group       varchar,
    same_as_fact_id   varchar,
    same_as_column    varchar,
    direction         varchar,
    assessment_code   varchar,
    plan_text         varchar,
    listed_count      integer,
    listed_alt        integer,
    counts            varchar,
    sentence_no       integer,
    section           varchar,
    in_footnote       integer,
    rules_version     varchar,
    unit_kind         varchar,
    unit_exact        boolean,
    value_scale       double,
    plan_scale        double,
    delta_scale       double,
    provenance        varchar,
    ocr_confidence    double,
    uncertain         boolean,
    ocr_page          integer,
    ocr_box           double[]
);
comment on table facts is 'Every numeric fact of every report, with its provenance.';
comment on column facts.fact_id is 'Deterministic id, unique: report_id:page:char_start:rule_id.';
comment on column facts.report_id is 'Report the fact comes from.';
comment on column facts.kind is 'ratio (value/plan with percent), fraction (value/plan, no percent), percent, change, share, value, difference (an absolute change against last year''s printed figure), annex_row.';
comment on column facts.label is 'The words before the figure that say what it measures (for annex rows, the indicator cell).';
comment on column facts.value is 'The figure, in base units: scale words multiplied in, money in đồng (unit VND).';
comment on column facts.unit is 'Normalised unit: VND, USD, ha, m², tấn, kWh, %, or the counting noun (hộ, người, con ...).';
comment on column facts.plan is 'The figure the value is compared with (plan, budget, last year''s figure), in the same base units.';
comment on column facts.percent is 'The percent as printed (77.66 for "77,66%").';
comment on column facts.percent_decimals is 'Digits printed after the decimal comma of the percent: its precision.';
comment on column facts.base is 'What the percent is relative to: plan, budget, same_period, total.';
comment on column facts.raw is 'The exact matched text: reports.text[char_start:char_end].';
comment on column facts.line is 'Source line of the fact''s first character (1-based; within the page for a PDF).';
comment on column facts.page is 'Source page of the fact''s first character.';
comment on column facts.char_start is 'Start offset in reports.text.';
comment on column facts.char_end is 'End offset in reports.text.';
comment on column facts.rule_id is 'Code of the rule that made the fact: rules/<code>_*.toml (RT01, VA01 ...), or an annex row (TB01), a table cell (TB02) or a table''s difference cell (TB03).';
comment on column facts.value_exact is 'value as an exact decimal.';
comment on column facts.plan_exact is 'plan as an exact decimal.';
comment on column facts.value_raw is 'The value as printed.';
comment on column facts.plan_raw is 'The plan as printed.';
comment on column facts.percent_raw is 'The percent as printed, without the % sign.';
comment on column facts.value_tolerance is 'Half a unit of the value''s last printed digit, in base units: how far rounding may have moved it.';
comment on column facts.plan_tolerance is 'Half a unit of the plan''s last printed digit, in base units.';
comment on column facts.unit_raw is 'The unit as printed ("tỷ đồng", "ha").';
comment on column facts.base_raw is 'The base as printed ("KH tỉnh giao", "dự toán", "so với cùng kỳ").';
comment on column facts.change is 'increase or decrease, for "tăng" / "giảm".';
comment on column facts.comparator is '>, <, >=, <= or range, when printed with the figure ("<12", "≥ 95%", "7-8%").';
comment on column facts.qualifier is 'approx, above, below, approx_below, estimate ... for "khoảng", "hơn", "trên", "dưới", "gần", "ước".';
comment on column facts.value_high is 'Upper end of a range ("3-4 triệu đồng").';
comment on column facts.percent_low is 'Lower end of a range of percents ("7-8%": 7; percent holds 8).';
comment on column facts.delta is 'An absolute change as printed, in base units ("giảm 4,7 ha so với năm 2022 (31,5 ha)": 4.7; plan holds 31.5).';
comment on column facts.delta_raw is 'The change as printed.';
comment on column facts.indicator is 'Normalised indicator key (rules/indicators.toml), to line up the same indicator across places and reports.';
comment on column facts.period is 'Period the figure refers to ("năm 2023", "9 tháng 2024").';
comment on column facts.status is 'thực hiện, ước thực hiện, kế hoạch or chỉ tiêu.';
comment on column facts.flag is 'Why the figure is suspect (malformed number ...), else null.';
comment on column facts.assessment is 'Annex label as printed: Đạt, Vượt, Không đạt, Chưa đạt.';
comment on column facts.stt is 'Annex row number as printed (A, 1, 1.1).';
comment on column facts.table_row is 'Row number in its table, for annex rows.';
comment on column facts.previous is 'Annex: the previous period''s figure (TH năm trước), in base units.';
comment on column facts.plan_source is 'Where the base of a percent was found when its rule did not read it: section (an earlier sentence announcing the plan) or annex (the indicator''s annex row), by extract/links/plans.py; bracket (in brackets after the percent''s base words; for a rate, the planned rate: 73,2%, đạt 100,3% KH (KH 73%)), part_of (after "trên tổng số"), named (the earlier figure its base words name), sibling (the base of the share before it in the same list), implicit (the only earlier figure of its unit nearby), agrees (among several, the one that agrees: never a mismatch), breakdown (the figure a "trong đó" / "gồm" broke the share''s figure out of), or less_change (the previous figure a printed change implies: 45.600 tỷ đồng, tăng 3.200 tỷ đồng gives 42.400; plan_fact_id is the change), by extract/links/frames.py; table (the cells of its row a table''s columns relate it to, extract/facts/relations.py); null when printed together.';
comment on column facts.plan_fact_id is 'The fact the plan was taken from, when plan_source is set.';
comment on column facts.value_fact_id is 'The fact whose printed figure is this fact''s value, when it is printed elsewhere: "đạt 78,8% chỉ tiêu phấn đấu" takes the 5.120 tỷ đồng printed before it, "(tương đương 1.310 tỷ đồng)" the figure after it.';
comment on column facts.total_fact_id is 'For a part of a breakdown, the fact of the total it should add up to.';
comment on column facts.breakdown is 'How the part was listed: gom (gồm / bao gồm), trong_do, bracket, footnote, annex (a sub-row) or table (a column or row a table''s totals add up).';
comment on column facts.share_group is 'Shares of one whole ("Cơ cấu …: A chiếm 31,4%; B 33,8%; C 34,8%") carry the id of the first share; they should add up to 100%.';
comment on column facts.same_as_fact_id is 'Another place printing the same indicator (its annex row, or an earlier sentence with the same plan).';
comment on column facts.same_as_column is 'Which figure of this fact the other place prints: value or percent.';
comment on column facts.direction is 'higher or lower: which way is better for the indicator (rules/indicators.toml).';
comment on column facts.assessment_code is 'The annex label normalised (rules/tables.toml): exceeded, met or not_met.';
comment on column facts.plan_text is 'Annex: the plan cell as printed ("<12", ">99", "7-8", "Giảm").';
comment on column facts.listed_count is 'For a count followed by a bracketed list of names ("03 xã (A, B, C)"): how many items are listed.';
comment on column facts.listed_alt is 'The same, reading a last item "A và B" as two.';
comment on column facts.counts is 'For "<N> chỉ tiêu …" about the report itself: which annex rows it counts (not_met, met, rows).';
comment on column facts.sentence_no is 'Sentence the fact comes from (sentences.sentence_no).';
comment on column facts.section is 'Section path of the sentence.';
comment on column facts.in_footnote is 'Footnote number when the fact sits in a footnote body.';
comment on column facts.rules_version is 'Hash of the rule files that produced the fact.';
comment on column facts.unit_kind is 'Kind of the unit in rules/lexicon.toml: money, area, volume, length, mass, energy, yield, points, percent, count, rate (a unit per another: "triệu đồng/ha") ...; null when the lexicon does not know the unit or none is printed.';
comment on column facts.unit_exact is 'True when a whole number of the unit is exact (a count of things: "281.981 con"), false for a measurement rounded to its last digit ("3.915 tấn"): the lexicon''s [kinds]. A unit without a kind follows the lexicon''s unknown_exact.';
comment on column facts.value_scale is 'What the printed value was multiplied by to give value: scale word times unit ("575 tỷ đồng": 1e9); null when there is no value.';
comment on column facts.plan_scale is 'The same for the plan.';
comment on column facts.delta_scale is 'The same for the change (printed in the value''s unit).';
comment on column facts.provenance is 'Where the fact''s numbers were read: ocr (by OCR from a scanned page image, extract/reading/ocr.py); null for a text layer or a text file.';
comment on column facts.ocr_confidence is 'For provenance ocr: the lowest word confidence (0-100, Tesseract''s) among the words holding the fact''s printed numbers.';
comment on column facts.uncertain is 'For provenance ocr: true when a number of the fact may be misread (confidence below the threshold, $SOLIEU_OCR_CONFIDENCE or --ocr-confidence, default 80; letters glued to its digits; or not found among the words read). A check citing an uncertain fact is unverifiable, never a mismatch.';
comment on column facts.ocr_page is 'For provenance ocr: the page of ocr_box (1-based).';
comment on column facts.ocr_box is 'For provenance ocr: the box of the words holding the fact''s numbers on the page as scanned, [x0, top, x1, bottom] in PDF points from the page''s top-left corner; extract/reading/ocr.py crop_box cuts it out of the PDF.';

create table if not exists checks (
    check_id          varchar not null,
    report_id         varchar not null,
    check_type        varchar not null,
    status            varchar not null,
    reported          double,
    computed          double,
    line              integer,
    page              integer,
    message           varchar,
    fact_ids          varchar[],
    rule_id           varchar,
    severity          varchar,
    reported_low      double,
    reported_high     double,
    computed_low      double,
    computed_high     double,
    difference        double,
    decision          boolean,
    rules_version     varchar,
    claim_key         varchar
);
comment on table checks is 'Consistency checks: each printed claim tested against what the report''s other numbers imply.';
comment on column checks.check_id is 'Deterministic id, unique: rule_id:first fact id (:n for the n-th row of a check on the same fact).';
comment on column checks.report_id is 'Report checked.';
comment on column checks.check_type is 'percent, plan_lookup, sum, cross, label, count, growth.';
comment on column checks.status is 'ok, minor (off by one unit in the last printed digit: truncation), mismatch, unverifiable.';
comment on column checks.reported is 'The printed number under test (the percent, the total, the figure in the first place), in fact units.';
comment on column checks.computed is 'What the report''s other numbers imply (recomputed percent, sum of parts, figure elsewhere).';
comment on column checks.line is 'Source line of the printed number under test.';
comment on column checks.page is 'Source page of the printed number under test.';
comment on column checks.message is 'One sentence in Vietnamese explaining the result.';
comment on column checks.fact_ids is 'Facts involved (facts.fact_id), the printed claim first.';
comment on column checks.rule_id is 'Code of the check (warehouse/checks/<code>_*.sql).';
comment on column checks.severity is 'error or warning, from the check file header.';
comment on column checks.reported_low is 'Lower end of the interval the printed number could have been rounded from.';
comment on column checks.reported_high is 'Upper end of that interval.';
comment on column checks.computed_low is 'Lower end of the computed value, given the rounding of its inputs.';
comment on column checks.computed_high is 'Upper end of the computed value.';
comment on column checks.difference is 'computed - reported.';
comment on column checks.decision is 'True when the error flips the conclusion (reached vs not reached the plan, increase vs decrease).';
comment on column checks.rules_version is 'Hash of the rule and check files that produced the check.';
comment on column checks.claim_key is 'Key of the claim tested (warehouse/claims.py): md5 of the report, the check code, the words of the claim and of its sentence with every number masked, and n for the n-th such claim. Unlike check_id it survives reextract and a new version of the report whose claim is unchanged; review_decisions are keyed by it.';

create table if not exists ocr_words (
    report_id   varchar not null,
    char_start  integer not null,
    char_end    integer not null,
    page        integer not null,
    text        varchar not null,
    confidence  double not null,
    box         double[]
);
comment on table ocr_words is 'The words OCR read on the pages of a scanned report, where they are in reports.text, how sure the OCR was and where they are printed; empty for a report with a text layer. Re-extraction marks facts with them as ingest did.';
comment on column ocr_words.report_id is 'Report the word belongs to.';
comment on column ocr_words.char_start is 'Start offset of the word in reports.text.';
comment on column ocr_words.char_end is 'End offset of the word in reports.text.';
comment on column ocr_words.page is 'Page the word was read on (1-based).';
comment on column ocr_words.text is 'The word as read (superscripts found on the image included).';
comment on column ocr_words.confidence is 'Tesseract''s word confidence, 0-100.';
comment on column ocr_words.box is 'The word''s box on the page as scanned, [x0, top, x1, bottom] in PDF points from the page''s top-left corner.';

create table if not exists problems (
    report_id   varchar not null,
    code        varchar not null,
    message     varchar not null,
    char_start  integer,
    char_end    integer,
    page        integer,
    line        integer
);
comment on table problems is 'Data problems met while reading a report (malformed numbers ...); the report is still loaded.';
comment on column problems.report_id is 'Report concerned.';
comment on column problems.code is 'Problem code, e.g. number.malformed.';
comment on column problems.message is 'What is wrong and, where possible, what was probably meant.';
comment on column problems.char_start is 'Start offset in reports.text, when known.';
comment on column problems.char_end is 'End offset in reports.text, when known.';
comment on column problems.page is 'Source page, when known.';
comment on column problems.line is 'Source line, when known.';


-- Superseded versions. The tables above hold the current version of each report only, so that every
-- query on them (and every view and check) means "what the report says now"; when a file with other
-- content is ingested under an existing report_id, the rows of the version it replaces move here,
-- table for table: the same columns, plus the version they belong to (superseded.reports has its
-- own). Their columns follow the tables above (warehouse/load.py adds a column added there, and
-- copies its comment); `select * from superseded.facts where report_id = ? and version = ?` reads
-- what an earlier version said. v_report_versions lists every version.
create schema if not exists superseded;
create table if not exists superseded.reports as select * from reports limit 0;
create table if not exists superseded.line_map as select *, null::integer as version from line_map limit 0;
create table if not exists superseded.sections as select *, null::integer as version from sections limit 0;
create table if not exists superseded.sentences as select *, null::integer as version from sentences limit 0;
create table if not exists superseded.footnotes as select *, null::integer as version from footnotes limit 0;
create table if not exists superseded.table_rows as select *, null::integer as version from table_rows limit 0;
create table if not exists superseded.facts as select *, null::integer as version from facts limit 0;
create table if not exists superseded.checks as select *, null::integer as version from checks limit 0;
create table if not exists superseded.problems as select *, null::integer as version from problems limit 0;
create table if not exists superseded.ocr_words as select *, null::integer as version from ocr_words limit 0;
comment on table superseded.reports is 'Earlier versions of the reports: one row per version replaced by a later file under the same report_id.';
comment on table superseded.line_map is 'line_map rows of the superseded versions.';
comment on table superseded.sections is 'sections rows of the superseded versions.';
comment on table superseded.sentences is 'sentences rows of the superseded versions.';
comment on table superseded.footnotes is 'footnotes rows of the superseded versions.';
comment on table superseded.table_rows is 'table_rows rows of the superseded versions.';
comment on table superseded.facts is 'The facts of the superseded versions, as they were extracted (fact_id is unique within a version).';
comment on table superseded.checks is 'The checks of the superseded versions, as they were last run while the version was current.';
comment on table superseded.problems is 'problems rows of the superseded versions.';
comment on column superseded.line_map.version is 'Version of the report the row belongs to (superseded.reports.version).';
comment on column superseded.sections.version is 'Version of the report the row belongs to (superseded.reports.version).';
comment on column superseded.sentences.version is 'Version of the report the row belongs to (superseded.reports.version).';
comment on column superseded.footnotes.version is 'Version of the report the row belongs to (superseded.reports.version).';
comment on column superseded.table_rows.version is 'Version of the report the row belongs to (superseded.reports.version).';
comment on column superseded.facts.version is 'Version of the report the row belongs to (superseded.reports.version).';
comment on column superseded.checks.version is 'Version of the report the row belongs to (superseded.reports.version).';
comment on column superseded.problems.version is 'Version of the report the row belongs to (superseded.reports.version).';
comment on table superseded.ocr_words is 'ocr_words rows of the superseded versions.';
comment on column superseded.ocr_words.version is 'Version of the report the row belongs to (superseded.reports.version).';
-- A reviewer's decision follows the claim, not the check row: checks are rebuilt with new ids by
-- `reextract` and by a new version of the report, so a decision is keyed by report_id and
-- checks.claim_key (the check code and the claim's words with its numbers masked). Rows are
-- only ever added: the latest row of a key is the decision in force (v_reviews), a row with review
-- null withdraws it, and the earlier rows are the history.
create table if not exists review_decisions (
    report_id    varchar not null,
    claim_key    varchar not null,
    review       varchar,
    note         varchar,
    reviewed_by  varchar,
    reviewed_at  timestamp not null,
    rule_id      varchar,
    check_id     varchar,
    status       varchar,
    reported     double,
    computed     double,
    quote        varchar,
    sentence     varchar,
    sha256       varchar,
    source       varchar
);
comment on table review_decisions is 'Reviewers'' decisions on flagged checks (python -m pipeline review, or a file exported from the HTML page and imported), one row per decision, never updated; the latest row of a (report_id, claim_key) is in force (v_reviews).';
comment on column review_decisions.report_id is 'Report the decision is about (reports.report_id, not its sha256: a decision carries over to a new version of the report).';
comment on column review_decisions.claim_key is 'The claim decided on (checks.claim_key): stable across reextract, make report and a new version whose claim is unchanged.';
comment on column review_decisions.review is 'confirmed (the error is real), false_alarm (the check is wrong), explained (a real difference the report accounts for); null withdraws an earlier decision.';
comment on column review_decisions.note is 'The reviewer''s note, as written.';
comment on column review_decisions.reviewed_by is 'Who decided (--by, else $SOLIEU_REVIEWER, else the login name; the name typed on the page for an imported file).';
comment on column review_decisions.reviewed_at is 'When the decision was made (UTC).';
comment on column review_decisions.rule_id is 'Code of the check decided on (checks.rule_id), part of the claim key.';
comment on column review_decisions.check_id is 'checks.check_id when the decision was made (may no longer exist: checks are rebuilt).';
comment on column review_decisions.status is 'The check''s status when the decision was made: a confirmed mismatch that is ok now has been fixed.';
comment on column review_decisions.reported is 'The printed number under test when the decision was made (checks.reported).';
comment on column review_decisions.computed is 'What the other numbers implied when the decision was made (checks.computed).';
comment on column review_decisions.quote is 'The claim as printed when the decision was made (facts.raw).';
comment on column review_decisions.sentence is 'The sentence the claim sat in when the decision was made.';
comment on column review_decisions.sha256 is 'SHA-256 of the report file (the version) the decision was made on.';
comment on column review_decisions.source is 'How it came: cli, or import: and the name of the file exported from the page.';
