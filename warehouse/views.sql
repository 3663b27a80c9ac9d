-- Views for analysts, created with the schema (create or replace: an older warehouse gets the current
-- definitions the next time it is opened for writing). Like the tables, their names and columns
-- are a contract: later versions add, never rename. `select table_name, column_name, comment from
-- duckdb_columns() where starts_with(table_name, 'v_')` shows the comments.

-- v_reviews: each decision in force, beside the check that now tests its claim ---------------------
create or replace view v_reviews as
with latest as (
    select * from review_decisions
    qualify row_number() over (partition by report_id, claim_key order by reviewed_at desc, review is not null) = 1
)
select
    d.report_id, d.claim_key, d.review, d.note, d.reviewed_by, d.reviewed_at,
    c.check_id, c.status, c.reported, c.computed,
    d.check_id as reviewed_check_id, d.status as reviewed_status, d.reported as reviewed_reported,
    d.computed as reviewed_computed, d.quote, d.sentence,
    case when c.check_id is null then 'gone'
         when c.status = 'ok' and d.status in ('mismatch', 'minor') then 'fixed'
         when c.status is not distinct from d.status
              and (c.reported is not distinct from d.reported or abs(c.reported - d.reported) <= 1e-9 * greatest(1, abs(d.reported)))
              and (c.computed is not distinct from d.computed or abs(c.computed - d.computed) <= 1e-9 * greatest(1, abs(d.computed)))
             then 'unchanged'
         else 'changed' end as state
from latest as d
left join checks as c on c.report_id = d.report_id and c.claim_key = d.claim_key
where d.review is not null;

comment on view v_reviews is 'The reviewers'' decisions in force (the latest row of each claim in review_decisions, unless it withdrew the decision), each beside the check that tests its claim now and what became of it: fixed, unchanged, changed or gone.';
comment on column v_reviews.report_id is 'Report.';
comment on column v_reviews.claim_key is 'The claim (checks.claim_key).';
comment on column v_reviews.review is 'confirmed, false_alarm or explained.';
comment on column v_reviews.note is 'The reviewer''s note.';
comment on column v_reviews.reviewed_by is 'Who decided.';
comment on column v_reviews.reviewed_at is 'When (UTC).';
comment on column v_reviews.check_id is 'The check that tests the claim now (null when none does: gone).';
comment on column v_reviews.status is 'Its status now.';
comment on column v_reviews.reported is 'Its printed number now.';
comment on column v_reviews.computed is 'What the other numbers imply now.';
comment on column v_reviews.reviewed_check_id is 'The check the decision was made on (its id then).';
comment on column v_reviews.reviewed_status is 'Its status then.';
comment on column v_reviews.reviewed_reported is 'Its printed number then.';
comment on column v_reviews.reviewed_computed is 'What the other numbers implied then.';
comment on column v_reviews.quote is 'The claim as printed then.';
comment on column v_reviews.sentence is 'Its sentence then.';
comment on column v_reviews.state is 'fixed (flagged then, ok now: the page says "đã sửa"), unchanged (same status and numbers: a confirmed error "vẫn còn"), changed (the numbers or status moved since: look again), gone (no check tests the claim now).';

-- v_mismatches: what does not add up, each with the words it was read from -------------------------
create or replace view v_mismatches as
with flagged as (
    -- the checks that found something
    select * from checks where status in ('mismatch', 'minor')
),
cited as (
    -- every fact a check cites, in citation order (the printed claim first), with its sentence
    select c.check_id, c.pos, f.fact_id, f.report_id, f.raw, f.page, f.line, f.section, s.text as sentence
    from (select check_id, unnest(fact_ids) as fact_id, unnest(range(1, len(fact_ids) + 1)) as pos
          from flagged) as c
    join facts as f on f.fact_id = c.fact_id
    left join sentences as s on s.report_id = f.report_id and s.sentence_no = f.sentence_no
),
others as (
    -- the places a claim was tested against, as one list per check
    select check_id,
           list({'report_id': report_id, 'fact_id': fact_id, 'quote': raw, 'sentence': sentence,
                 'section': section, 'page': page, 'line': line} order by pos) as cited
    from cited where pos > 1
    group by check_id
)
select
    c.report_id, c.check_id, c.rule_id, c.check_type, c.status, c.severity, c.decision,
    c.reported, c.computed, c.difference, c.message,
    claim.fact_id, claim.raw as quote, claim.sentence, claim.section, c.page, c.line,
    other.report_id as cited_report_id, other.fact_id as cited_fact_id, other.raw as cited_quote,
    other.sentence as cited_sentence, other.section as cited_section, other.page as cited_page,
    other.line as cited_line,
    coalesce(o.cited, []) as cited,
    r.review, r.note as review_note, r.reviewed_by, r.reviewed_at, r.state as review_state, c.claim_key
from flagged as c
left join cited as claim on claim.check_id = c.check_id and claim.pos = 1
left join cited as other on other.check_id = c.check_id and other.pos = 2
left join others as o on o.check_id = c.check_id
left join v_reviews as r on r.check_id = c.check_id
order by c.report_id, c.status = 'minor', c.page, c.line, c.check_id;

comment on view v_mismatches is 'Every mismatch and minor check, with the printed claim and the places it was tested against: quotes, sentences, sections, pages and lines, and the reviewer''s decision on it. mismatch first, then minor, in page and line order.';
comment on column v_mismatches.report_id is 'Report whose claim failed (checks.report_id).';
comment on column v_mismatches.check_id is 'checks.check_id.';
comment on column v_mismatches.rule_id is 'Code of the check (warehouse/checks/<code>_*.sql).';
comment on column v_mismatches.check_type is 'percent, plan_lookup, cross_report ...';
comment on column v_mismatches.status is 'mismatch, or minor (one unit off in the last printed digit: truncation).';
comment on column v_mismatches.severity is 'error or warning, from the check file header.';
comment on column v_mismatches.decision is 'True when the error flips the conclusion (reached vs not reached, increase vs decrease).';
comment on column v_mismatches.reported is 'The printed number under test.';
comment on column v_mismatches.computed is 'What the other numbers imply.';
comment on column v_mismatches.difference is 'computed - reported.';
comment on column v_mismatches.message is 'One sentence in Vietnamese explaining the result.';
comment on column v_mismatches.fact_id is 'The printed claim (checks.fact_ids[1]).';
comment on column v_mismatches.quote is 'The claim as printed (facts.raw).';
comment on column v_mismatches.sentence is 'The sentence the claim sits in.';
comment on column v_mismatches.section is 'Section path of the claim, e.g. "A > VII > 1".';
comment on column v_mismatches.page is 'Source page of the claim.';
comment on column v_mismatches.line is 'Source line of the claim.';
comment on column v_mismatches.cited_report_id is 'Report of the first place the claim was tested against (another report for cross_report checks).';
comment on column v_mismatches.cited_fact_id is 'The first fact the claim was tested against (checks.fact_ids[2]), when there is one.';
comment on column v_mismatches.cited_quote is 'That fact as printed.';
comment on column v_mismatches.cited_sentence is 'The sentence it sits in.';
comment on column v_mismatches.cited_section is 'Its section path.';
comment on column v_mismatches.cited_page is 'Its source page.';
comment on column v_mismatches.cited_line is 'Its source line.';
comment on column v_mismatches.cited is 'Every fact the claim was tested against, in order: report_id, fact_id, quote, sentence, section, page, line.';
comment on column v_mismatches.review is 'The reviewer''s decision in force on this claim: confirmed, false_alarm or explained (v_reviews); null when none.';
comment on column v_mismatches.review_note is 'The reviewer''s note.';
comment on column v_mismatches.reviewed_by is 'Who decided.';
comment on column v_mismatches.reviewed_at is 'When (UTC).';
comment on column v_mismatches.review_state is 'unchanged (the numbers are those decided on) or changed (they moved since: look again); see v_reviews.state.';
comment on column v_mismatches.claim_key is 'Key of the claim (checks.claim_key), the one review_decisions use.';

-- v_indicator: one row per indicator of each report, text and annex side by side -------------------
create or replace view v_indicator as
with report_facts as (
    -- facts that name an indicator, beside their report's locality and year
    select f.*, r.locality, r.year, r.period as report_period,
           try_cast(regexp_extract(f.period, '((?:19|20)\d\d)$', 1) as integer) as period_year
    from facts as f join reports as r using (report_id)
    where f.indicator is not null and f.flag is null
),
annex as (
    -- the annex row of the indicator (the first, should the annex repeat it)
    select * from report_facts
    where kind = 'annex_row'
    qualify row_number() over (partition by report_id, indicator, unit order by table_row, char_start) = 1
),
text_figures as (
    -- the achieved figure in the running text: the report's own year before next year's targets,
    -- achieved before targets, a ratio (value with its plan) before a bare value, the first printed
    select * from report_facts
    where kind in ('ratio', 'fraction', 'value', 'change') and value is not null and unit is not null
      and coalesce(status, '') <> 'kế hoạch' and comparator is null
    qualify row_number() over (
        partition by report_id, indicator, unit
        order by coalesce(period_year, year) is distinct from year, coalesce(status, '') = 'chỉ tiêu',
                 case kind when 'ratio' then 0 when 'fraction' then 1 when 'value' then 2 else 3 end,
                 char_start) = 1
),
stated_plans as (
    -- a plan stated on its own ("Tổng nguồn vốn được giao: 10.361,8 triệu đồng")
    select * from report_facts
    where kind = 'value' and status = 'kế hoạch' and value is not null
    qualify row_number() over (partition by report_id, indicator, unit order by char_start) = 1
),
keys as (
    select report_id, indicator, unit from annex
    union select report_id, indicator, unit from text_figures
    union select report_id, indicator, unit from stated_plans
),
fact_counts as (
    select report_id, indicator, unit, count(*) as facts from report_facts group by all
),
combined as (
    select
        k.report_id, r.locality, r.year, r.period as report_period, k.indicator, k.unit,
        coalesce(a.label, t.label, p.label) as label,
        coalesce(a.plan, t.plan, p.value) as plan,
        coalesce(a.value, t.value) as actual,
        coalesce(a.percent, case when t.kind = 'ratio' and coalesce(t.base, 'plan') in ('plan', 'budget')
                                 then t.percent end) as percent,
        a.previous, a.assessment, coalesce(t.status, a.status) as status,
        coalesce(t.period, a.period) as period,
        a.fact_id as annex_fact_id, a.line as annex_line,
        t.fact_id as text_fact_id, t.line as text_line,
        p.fact_id as plan_fact_id,
        -- beyond what rounding explains: each figure ± half a unit of its last printed digit, and a
        -- whole number (how annexes print "3.915" for 3.915,37 tấn) ± 0.5
        a.value is not null and t.value is not null
            and abs(a.value - t.value) > greatest(coalesce(a.value_tolerance, 0), if(a.value = round(a.value), 0.5, 0))
                                         + greatest(coalesce(t.value_tolerance, 0), if(t.value = round(t.value), 0.5, 0))
                                         + 1e-9
            as text_differs,
        coalesce(n.facts, 0) as facts
    from keys as k
    join reports as r on r.report_id = k.report_id
    left join annex as a on a.report_id = k.report_id and a.indicator = k.indicator and a.unit is not distinct from k.unit
    left join text_figures as t on t.report_id = k.report_id and t.indicator = k.indicator and t.unit is not distinct from k.unit
    left join stated_plans as p on p.report_id = k.report_id and p.indicator = k.indicator and p.unit is not distinct from k.unit
    left join fact_counts as n on n.report_id = k.report_id and n.indicator = k.indicator and n.unit is not distinct from k.unit
)
select
    report_id, locality, year, report_period, indicator, label, unit, plan, actual, percent,
    case when plan > 0 and actual is not null then 100 * actual / plan end as percent_computed,
    previous, assessment, status, period,
    case when annex_fact_id is not null and text_fact_id is not null then 'annex+text'
         when annex_fact_id is not null then 'annex' else 'text' end as source,
    annex_fact_id, annex_line, text_fact_id, text_line, plan_fact_id, text_differs, facts
from combined
order by report_id, indicator, unit;

comment on view v_indicator is 'One row per indicator of each report (per unit, when a report gives one indicator in two units, e.g. a growth rate in % and a value in đồng): plan, actual and percent, from the annex row and the running text combined by facts.indicator (the annex wins where both give a number).';
comment on column v_indicator.report_id is 'Report.';
comment on column v_indicator.locality is 'Issuing locality of the report (reports.locality).';
comment on column v_indicator.year is 'Reporting year of the report (reports.year).';
comment on column v_indicator.report_period is 'Reporting period of the report: "năm", "9 tháng", "6 tháng" (reports.period).';
comment on column v_indicator.indicator is 'Normalised indicator key (facts.indicator, rules/indicators.toml): the key that lines indicators up across reports.';
comment on column v_indicator.label is 'The indicator as printed: the annex cell, else the words before the figure in the text.';
comment on column v_indicator.unit is 'Normalised unit; plan and actual are in its base units (money in đồng).';
comment on column v_indicator.plan is 'Plan, budget or target for the period: the annex plan column, else the plan printed with the figure, else a plan stated on its own.';
comment on column v_indicator.actual is 'Achieved or estimated figure: the annex actual column, else the first achieved figure in the text.';
comment on column v_indicator.percent is 'Percent of plan as printed (annex % column, or the ratio in the text).';
comment on column v_indicator.percent_computed is '100 · actual / plan.';
comment on column v_indicator.previous is 'The previous period''s figure printed in the annex (TH năm trước), in base units.';
comment on column v_indicator.assessment is 'Annex label as printed: Đạt, Vượt, Không đạt, Chưa đạt.';
comment on column v_indicator.status is 'Status of the figure: thực hiện, ước thực hiện, chỉ tiêu.';
comment on column v_indicator.period is 'Period the figure refers to ("năm 2023", "9 tháng 2024").';
comment on column v_indicator.source is 'Where the numbers come from: annex, text, or annex+text.';
comment on column v_indicator.annex_fact_id is 'The annex row fact (facts.fact_id).';
comment on column v_indicator.annex_line is 'Source line of the annex row.';
comment on column v_indicator.text_fact_id is 'The text fact (facts.fact_id).';
comment on column v_indicator.text_line is 'Source line of the text fact.';
comment on column v_indicator.plan_fact_id is 'A plan stated on its own, when there is one (facts.fact_id).';
comment on column v_indicator.text_differs is 'True when the text and the annex give different actual figures (beyond rounding).';
comment on column v_indicator.facts is 'How many facts of the report carry this indicator and unit.';

-- v_indicator_history: the same indicator across reports, years and periods -------------------------
create or replace view v_indicator_history as
with history as (
    select i.*, case when report_period = 'năm' then 12
                     else try_cast(regexp_extract(report_period, '(\d+)', 1) as integer) end as months
    from v_indicator as i
)
select
    indicator, locality, year, report_period as period, months, report_id, label, unit,
    plan, actual, percent, percent_computed, assessment, previous as previous_printed,
    lag(year) over series as previous_year,
    lag(report_id) over series as previous_report_id,
    lag(actual) over series as previous_actual,
    case when lag(actual) over series > 0 then 100 * actual / lag(actual) over series - 100 end as change_percent,
    count(distinct report_id) over (partition by indicator) as reports_with_indicator,
    count(distinct locality) over (partition by indicator) as localities_with_indicator
from history
window series as (partition by indicator, unit, locality, months order by year, report_id)
order by indicator, unit, locality nulls last, year nulls last, months nulls last, report_id;

comment on view v_indicator_history is 'The same indicator (facts.indicator) across reports, localities, years and periods, ordered by indicator, unit, locality, year and period; each row names the earlier report of the same locality and period length it follows, with the change between them.';
comment on column v_indicator_history.indicator is 'Normalised indicator key.';
comment on column v_indicator_history.locality is 'Issuing locality of the report.';
comment on column v_indicator_history.year is 'Reporting year.';
comment on column v_indicator_history.period is 'Reporting period: "năm", "9 tháng", "6 tháng".';
comment on column v_indicator_history.months is 'Months the reporting period covers (12 for "năm"), to compare like with like.';
comment on column v_indicator_history.report_id is 'Report.';
comment on column v_indicator_history.label is 'The indicator as printed in that report.';
comment on column v_indicator_history.unit is 'Normalised unit; figures are in its base units.';
comment on column v_indicator_history.plan is 'Plan or target for the period.';
comment on column v_indicator_history.actual is 'Achieved or estimated figure.';
comment on column v_indicator_history.percent is 'Percent of plan as printed.';
comment on column v_indicator_history.percent_computed is '100 · actual / plan.';
comment on column v_indicator_history.assessment is 'Annex label as printed.';
comment on column v_indicator_history.previous_printed is 'The previous period''s figure as the report itself prints it (annex TH năm trước).';
comment on column v_indicator_history.previous_year is 'Year of the earlier report of the same locality, period length and unit, when the warehouse has one.';
comment on column v_indicator_history.previous_report_id is 'That earlier report.';
comment on column v_indicator_history.previous_actual is 'Its actual figure.';
comment on column v_indicator_history.change_percent is '100 · actual / previous_actual - 100: the change since that report.';
comment on column v_indicator_history.reports_with_indicator is 'How many reports carry this indicator: filter > 1 to see the indicators that line up across reports.';
comment on column v_indicator_history.localities_with_indicator is 'How many localities report this indicator.';

-- v_coverage: how much of each report could be checked ---------------------------------------------
create or replace view v_coverage as
with fact_counts as (
    select report_id, count(*) as facts, count(*) filter (where flag is not null) as flagged
    from facts group by report_id
),
claims as (
    -- each printed claim the checks looked at, checked when any check could recompute it
    select report_id, fact_ids[1] as fact_id, bool_or(status <> 'unverifiable') as checked
    from checks group by report_id, fact_ids[1]
),
claim_counts as (
    select report_id, count(*) as claims, count(*) filter (where checked) as checked
    from claims group by report_id
),
status_counts as (
    select report_id, count(*) as checks,
           count(*) filter (where status = 'ok') as ok,
           count(*) filter (where status = 'minor') as minor,
           count(*) filter (where status = 'mismatch') as mismatch,
           count(*) filter (where status = 'unverifiable') as unverifiable,
           count(*) filter (where check_type = 'cross_report') as cross_report
    from checks group by report_id
),
problem_counts as (
    select report_id, count(*) as problems from problems group by report_id
),
review_counts as (
    -- decisions in force on the checks that found something
    select r.report_id, count(*) as reviewed,
           count(*) filter (where r.review = 'confirmed') as confirmed,
           count(*) filter (where r.review = 'false_alarm') as false_alarms,
           count(*) filter (where r.review = 'explained') as explained
    from v_reviews as r join checks as c on c.check_id = r.check_id
    where c.status in ('mismatch', 'minor')
    group by r.report_id
)
select
    r.report_id, r.title, r.locality, r.year, r.period,
    coalesce(f.facts, 0) as facts,
    coalesce(c.claims, 0) as claims,
    coalesce(c.checked, 0) as checked,
    round(100.0 * c.checked / nullif(c.claims, 0), 1) as checked_percent,
    coalesce(s.checks, 0) as checks,
    coalesce(s.ok, 0) as ok, coalesce(s.minor, 0) as minor, coalesce(s.mismatch, 0) as mismatch,
    coalesce(s.unverifiable, 0) as unverifiable, coalesce(s.cross_report, 0) as cross_report,
    coalesce(f.flagged, 0) as flagged_facts, coalesce(p.problems, 0) as problems,
    r.rules_version, r.ingested_at,
    coalesce(v.reviewed, 0) as reviewed, coalesce(v.confirmed, 0) as confirmed,
    coalesce(v.false_alarms, 0) as false_alarms, coalesce(v.explained, 0) as explained
from reports as r
left join fact_counts as f using (report_id)
left join claim_counts as c using (report_id)
left join status_counts as s using (report_id)
left join problem_counts as p using (report_id)
left join review_counts as v using (report_id)
order by r.report_id;

comment on view v_coverage is 'Per report: how many facts were read, how many printed claims the checks looked at, how many of those could be checked, and the check rows by status.';
comment on column v_coverage.report_id is 'Report.';
comment on column v_coverage.title is 'Report title.';
comment on column v_coverage.locality is 'Issuing locality.';
comment on column v_coverage.year is 'Reporting year.';
comment on column v_coverage.period is 'Reporting period.';
comment on column v_coverage.facts is 'Numeric facts extracted.';
comment on column v_coverage.claims is 'Verifiable claims: printed claims the checks looked at (a percent against a plan, budget, earlier period or total; a repeated figure), each counted once.';
comment on column v_coverage.checked is 'Claims at least one check could recompute (status ok, minor or mismatch); the rest are unverifiable.';
comment on column v_coverage.checked_percent is '100 · checked / claims, to one decimal: the coverage the HTML page shows too.';
comment on column v_coverage.checks is 'Check rows (a claim can be tested by more than one check).';
comment on column v_coverage.ok is 'Check rows with status ok.';
comment on column v_coverage.minor is 'Check rows with status minor.';
comment on column v_coverage.mismatch is 'Check rows with status mismatch.';
comment on column v_coverage.unverifiable is 'Check rows with status unverifiable.';
comment on column v_coverage.cross_report is 'Check rows that tested a claim against an earlier report.';
comment on column v_coverage.flagged_facts is 'Facts flagged as suspect (malformed figures).';
comment on column v_coverage.problems is 'Data problems recorded while reading (problems table).';
comment on column v_coverage.rules_version is 'Rules version that produced the facts and checks.';
comment on column v_coverage.ingested_at is 'When the report was loaded (UTC).';

-- v_report_versions: every version of every report, the current one and those it replaced ---------
create or replace view v_report_versions as
with versions as (
    select report_id, coalesce(version, 1) as version, sha256, source_path, ingested_at, true as current,
           fmt, title, rules_version
    from reports
    union all
    select report_id, version, sha256, source_path, ingested_at, false, fmt, title, rules_version
    from superseded.reports
),
fact_counts as (
    select report_id, coalesce(r.version, 1) as version, count(*) as facts
    from facts join reports as r using (report_id) group by all
    union all
    select report_id, version, count(*) from superseded.facts group by all
),
check_counts as (
    select report_id, coalesce(r.version, 1) as version, count(*) as checks,
           count(*) filter (where c.status = 'mismatch') as mismatch
    from checks as c join reports as r using (report_id) group by all
    union all
    select report_id, version, count(*), count(*) filter (where status = 'mismatch')
    from superseded.checks group by all
)
select
    v.report_id, v.version, v.sha256, v.source_path, v.ingested_at, v.current,
    lead(v.ingested_at) over (partition by v.report_id order by v.version) as superseded_at,
    v.fmt, v.title, coalesce(f.facts, 0) as facts, coalesce(c.checks, 0) as checks,
    coalesce(c.mismatch, 0) as mismatch, v.rules_version
from versions as v
left join fact_counts as f using (report_id, version)
left join check_counts as c using (report_id, version)
order by v.report_id, v.version;

comment on view v_report_versions is 'Every version of every report: the current one (its rows are in reports, facts, checks …) and the earlier ones it replaced (their rows are in superseded.reports, superseded.facts …), oldest first.';
comment on column v_report_versions.report_id is 'Report (reports.report_id).';
comment on column v_report_versions.version is 'Version: 1 for the first file ingested under the report_id, one more for each later file of other content.';
comment on column v_report_versions.sha256 is 'SHA-256 of the version''s file: ingesting that content again is skipped.';
comment on column v_report_versions.source_path is 'Path of the version''s file as given to ingest.';
comment on column v_report_versions.ingested_at is 'When the version was loaded (UTC).';
comment on column v_report_versions.current is 'True for the version the tables and the other views show; false for a superseded one.';
comment on column v_report_versions.superseded_at is 'When the next version replaced it (its ingested_at); null for the current version.';
comment on column v_report_versions.fmt is 'Source format of the version''s file: txt, pdf or docx.';
comment on column v_report_versions.title is 'Report title in that version.';
comment on column v_report_versions.facts is 'Facts of that version.';
comment on column v_report_versions.checks is 'Check rows of that version.';
comment on column v_report_versions.mismatch is 'Check rows with status mismatch in that version.';
comment on column v_report_versions.rules_version is 'Rules version that produced the version''s facts and checks.';
comment on column v_coverage.reviewed is 'Mismatch and minor check rows with a reviewer''s decision in force (v_reviews).';
comment on column v_coverage.confirmed is 'Of those, decided confirmed: the error is real.';
comment on column v_coverage.false_alarms is 'Of those, decided false_alarm: the check was wrong.';
comment on column v_coverage.explained is 'Of those, decided explained: a real difference the report accounts for.';
