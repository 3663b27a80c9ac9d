-- code:     CK40
-- name:     change.cross_report
-- type:     cross_report
-- title:    Giữa các báo cáo
-- rank:     80
-- severity: warning
-- why:      "tăng 9,5% so với cùng kỳ" prints a change whose base, last year's figure, is not printed. When the
--           warehouse holds the earlier report of the same locality (a year before, same period length), its
--           figure for the same indicator (facts.indicator, same unit) is that base: the change — or the share
--           "bằng Z% so với cùng kỳ" — is recomputed against it, rounding-aware as in CK01. A figure printed
--           for last year ("so với cùng kỳ năm trước (10.210 con)", the annex column TH năm trước) is compared
--           with the earlier report's. Both reports are cited. A warning, not an error: the earlier report
--           may have printed an estimate (ước) that was revised since. No earlier report, or one giving the
--           indicator two different figures: no row (CK90 lists the change as unverifiable).
-- given:    UBND huyện Yên Thạch
-- given:    BÁO CÁO
-- given:    Tình hình thực hiện nhiệm vụ kinh tế - xã hội năm 2023
-- given:    Tổng đàn trâu ước đạt 10.120 con.
-- flags:    Năm 2024, UBND huyện Yên Thạch ước tổng đàn trâu đạt 10.500 con, tăng 9,5% so với cùng kỳ.
-- passes:   Năm 2024, UBND huyện Yên Thạch ước tổng đàn trâu đạt 10.500 con, tăng 3,8% so với cùng kỳ.
-- flags:    Năm 2024, UBND huyện Yên Thạch ước tổng đàn trâu đạt 10.500 con, tăng 2,8% so với cùng kỳ năm trước (10.210 con).
-- passes:   Năm 2024, UBND huyện Yên Thạch ước tổng đàn trâu đạt 10.500 con, tăng 3,8% so với cùng kỳ năm trước (10.120 con).
-- passes:   Năm 2024, UBND huyện Kim Sơn ước tổng đàn trâu đạt 10.500 con, tăng 9,5% so với cùng kỳ.
with claims as (
    -- statements against the same period of last year in the batch's reports: a change or share
    -- without its base, a base printed in brackets, an annex row with last year's column
    select
        f.*, r.locality,
        coalesce(try_cast(regexp_extract(f.period, '((?:19|20)\d\d)$', 1) as integer), r.year) as claim_year,
        trim(regexp_replace(coalesce(f.period, r.period, 'năm'), '(?:19|20)\d\d', '')) as span,
        case when f.kind = 'annex_row' or f.plan is not null then 'repeat'
             when f.kind = 'change' and f.change is not null then 'change'
             else 'share' end as claim
    from batch_facts as f join reports as r using (report_id)
    where r.locality is not null and f.flag is null
      and coalesce(f.comparator, '') not in ('range', '>', '<', '>=', '<=')
      and ((f.base = 'same_period' and f.kind in ('change', 'ratio', 'percent') and f.percent is not null)
           or (f.kind = 'annex_row' and f.previous is not null))
),
subjects as (
    -- the figure the claim is about, whose indicator keys the comparison: the nearest figure before
    -- it in its sentence ("đạt 10.500 con, tăng 9,5%"), else the claim's own value
    select * from (
        select c.fact_id as claim_id, s.fact_id as subject_id, s.value as v, coalesce(s.value_tolerance, 0) as tv,
               s.value_raw as v_raw, s.unit, s.indicator, 1 as preference, s.char_start
        from claims as c
        join batch_facts as s on s.report_id = c.report_id and s.sentence_no = c.sentence_no
                       and s.char_end <= c.char_start and s.kind in ('value', 'ratio', 'fraction')
                       and s.value is not null and s.flag is null and s.unit is not null and s.unit <> '%'
                       and (c.value is null or s.value = c.value)
        where c.kind <> 'annex_row'
        union all
        select fact_id, fact_id, value, coalesce(value_tolerance, 0), value_raw, unit, indicator, 2, char_start
        from claims
        where value is not null and (kind = 'annex_row' or coalesce(unit, '%') <> '%')
    )
    where indicator is not null
    qualify row_number() over (partition by claim_id order by preference, char_start desc) = 1
),
earlier_reports as materialized (
    -- the reports of a claim's locality a year before it (none or one, usually): found first, so
    -- that only their facts are read, however large the warehouse
    select distinct r.report_id, r.locality, r.year, r.period
    from claims as c
    join reports as r on r.locality = c.locality and r.year = c.claim_year - 1 and r.report_id <> c.report_id
),
earlier_facts as materialized (
    -- their achieved figures (not plans), each with its report's year and period. Read report by
    -- report (lateral): joined as a whole, DuckDB hashed every fact of the warehouse even when
    -- there was no earlier report
    select e.*, er.locality, er.year as report_year, er.period as report_period
    from earlier_reports as er, lateral (
        select * from facts as e
        where e.report_id = er.report_id and e.value is not null and e.flag is null and e.comparator is null
          and coalesce(e.status, '') <> 'kế hoạch'
          and e.kind in ('value', 'ratio', 'fraction', 'change', 'annex_row')) as e
),
earlier_figures as (
    -- the same indicator in the report of the same locality a year before: same unit, same period
    -- length, an achieved figure (not a plan); actual figures before estimates
    select
        c.fact_id as claim_id, e.fact_id as earlier_id, e.report_id as earlier_report, e.value as earlier,
        coalesce(e.value_tolerance, 0) as te, e.value_raw || coalesce(' ' || e.unit_raw, '') as earlier_printed,
        e.line as earlier_line, e.report_year as earlier_year, e.status = 'ước thực hiện' as estimate,
        rank() over (partition by c.fact_id
                     order by case e.status when 'thực hiện' then 0 when 'ước thực hiện' then 1 else 2 end) as tier
    from claims as c
    join subjects as s on s.claim_id = c.fact_id
    join earlier_facts as e on e.locality = c.locality and e.report_year = c.claim_year - 1
                           and e.report_id <> c.report_id
                           and e.indicator = s.indicator and e.unit is not distinct from s.unit
                           and trim(regexp_replace(coalesce(e.period, e.report_period, 'năm'), '(?:19|20)\d\d', '')) = c.span
                           and coalesce(try_cast(regexp_extract(e.period, '((?:19|20)\d\d)$', 1) as integer), e.report_year)
                               = c.claim_year - 1
),
chosen as (
    -- one figure; none when the earlier report gives the indicator different figures
    select * from earlier_figures
    where tier = 1
    qualify max(earlier) over (partition by claim_id) - min(earlier) over (partition by claim_id)
            <= 2 * max(te) over (partition by claim_id) + 1e-9
        and row_number() over (partition by claim_id order by earlier_report, earlier_line) = 1
),
judged as (
    -- a change or share recomputed against the earlier figure as CK01 does against a printed one
    -- ("giảm Z%" is 100 − 100·X/Y); a repeated figure compared with it; each number ± half a unit
    -- of its last printed digit
    select
        c.fact_id, c.report_id, c.line, c.page, c.claim, c.change, c.percent_raw,
        s.subject_id, s.v_raw, ch.*,
        case when c.kind = 'annex_row' then 'ở cột năm trước của biểu'
             else c.plan_raw || coalesce(' ' || c.unit_raw, '') end as repeated_printed,
        case when c.claim = 'repeat' then coalesce(c.previous, c.plan) else c.percent end as reported,
        case when c.kind = 'annex_row' then ch.te
             when c.claim = 'repeat' then coalesce(c.plan_tolerance, 0)
             else half_unit(c.percent_decimals) end as h,
        case when c.claim = 'repeat' then ch.earlier
             when c.claim = 'share' then 100 * s.v / ch.earlier
             when c.change = 'decrease' then 100 - 100 * s.v / ch.earlier
             else 100 * s.v / ch.earlier - 100 end as computed,
        case when c.claim = 'repeat' then ch.earlier - ch.te
             when c.claim = 'share' then ratio_low(s.v, s.tv, ch.earlier, ch.te)
             when c.change = 'decrease' then 100 - ratio_high(s.v, s.tv, ch.earlier, ch.te)
             else ratio_low(s.v, s.tv, ch.earlier, ch.te) - 100 end as computed_low,
        case when c.claim = 'repeat' then ch.earlier + ch.te
             when c.claim = 'share' then ratio_high(s.v, s.tv, ch.earlier, ch.te)
             when c.change = 'decrease' then 100 - ratio_low(s.v, s.tv, ch.earlier, ch.te)
             else ratio_high(s.v, s.tv, ch.earlier, ch.te) - 100 end as computed_high
    from claims as c
    join subjects as s on s.claim_id = c.fact_id
    join chosen as ch on ch.claim_id = c.fact_id
    where ch.earlier > 0
),
verdicts as (
    select *, judge(interval_gap(computed_low, computed_high, reported, h), h) as status
    from judged
)
select
    'cross_report'                                                  as check_type,
    status,
    reported,
    computed,
    reported - h as reported_low, reported + h as reported_high, computed_low, computed_high,
    computed - reported                                             as difference,
    case claim when 'change' then computed < 0
               when 'share' then (reported >= 100) <> (computed >= 100)
               else false end                                       as decision,
    [fact_id, earlier_id] || case when subject_id <> fact_id then [subject_id] else [] end as fact_ids,
    line, page, report_id,
    case when claim = 'repeat' then
        printf('Số cùng kỳ %s %s số báo cáo %s nêu cho năm %d: %s (dòng %d%s).',
               repeated_printed,
               case status when 'ok' then 'khớp với' when 'minor' then 'lệch một đơn vị ở chữ số cuối so với'
                           else 'không khớp với' end,
               earlier_report, earlier_year, earlier_printed, earlier_line,
               case when estimate then ', số ước tính' else '' end)
    else
        printf('%s %s%% so với cùng kỳ %s: báo cáo %s nêu năm %d là %s (dòng %d%s); %s/%s cho %s %s%%.',
               case when claim = 'share' then 'Bằng' when change = 'decrease' then 'Giảm' else 'Tăng' end,
               replace(percent_raw, '.', ','),
               case status when 'ok' then 'khớp' when 'minor' then 'lệch một đơn vị ở chữ số cuối'
                           else 'không khớp' end,
               earlier_report, earlier_year, earlier_printed, earlier_line,
               case when estimate then ', số ước tính' else '' end,
               v_raw, earlier_printed,
               case when claim = 'share' then 'bằng' when (computed < 0) <> (change = 'decrease') then 'giảm'
                    else 'tăng' end,
               vn(abs(computed), 2))
    end                                                             as message
from verdicts
