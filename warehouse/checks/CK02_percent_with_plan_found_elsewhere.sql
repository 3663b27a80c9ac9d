-- code:     CK02
-- name:     percent.plan_lookup
-- type:     plan_lookup
-- severity: error
-- why:      "Ước thực hiện năm 3.888 triệu đồng, đạt 27,87%" prints a share without its plan; the plan is
--           stated elsewhere — an earlier sentence of the same section ("Tổng nguồn vốn được giao: 10.361,8
--           triệu đồng", a fact whose status is "kế hoạch") or the annex row of the same indicator. The share
--           is recomputed against it, rounding-aware as in CK01, and both places are cited.
-- flags:    Tổng nguồn vốn được giao: 4.969 triệu đồng. Ước thực hiện năm 4.772 triệu đồng, đạt 90,03%.
-- passes:   Tổng nguồn vốn được giao: 6.995 triệu đồng. Ước thực hiện năm 6.218 triệu đồng, đạt 88,9%.
with claims as (
    select f.*
    from facts as f
    where f.report_id in (select report_id from _batch)
      and f.kind = 'ratio' and f.plan is null and f.value is not null and f.percent is not null
      and f.flag is null and coalesce(f.base, 'plan') in ('plan', 'budget')
),
-- an earlier figure of the same section announced as the plan ("được giao", "kế hoạch" …), same unit
sentence_plans as (
    select c.fact_id as claim_id, p.fact_id as plan_id, p.value as plan, p.value_tolerance as tp,
           p.value_raw as plan_raw, p.line as plan_line, 1 as preference,
           row_number() over (partition by c.fact_id order by p.char_start desc) as nearest
    from claims c
    join facts p on p.report_id = c.report_id and p.status = 'kế hoạch' and p.kind = 'value'
                 and p.section is not distinct from c.section and p.char_end <= c.char_start
                 and p.unit is not distinct from c.unit and p.value > 0
                 and p.sentence_no >= c.sentence_no - 6
),
-- the annex row of the same indicator
annex_plans as (
    select c.fact_id as claim_id, a.fact_id as plan_id, a.plan, coalesce(a.plan_tolerance, 0) as tp,
           a.plan_raw, a.line as plan_line, 2 as preference, 1 as nearest
    from claims c
    join facts a on a.report_id = c.report_id and a.kind = 'annex_row' and a.indicator = c.indicator
                 and a.plan > 0 and a.comparator is null
                 and (a.unit is not distinct from c.unit or a.unit is null)
    qualify count(*) over (partition by c.fact_id) = 1
),
chosen as (
    select * from (select * from sentence_plans where nearest = 1 union all select * from annex_plans)
    qualify row_number() over (partition by claim_id order by preference) = 1
),
judged as (
    select c.*, ch.plan_id, ch.plan as found_plan, ch.tp, ch.plan_raw as found_plan_raw, ch.plan_line,
           100 * c.value / ch.plan as computed,
           ratio_low(c.value, coalesce(c.value_tolerance, 0), ch.plan, ch.tp) as computed_low,
           ratio_high(c.value, coalesce(c.value_tolerance, 0), ch.plan, ch.tp) as computed_high,
           half_unit(c.percent_decimals) as h
    from claims c join chosen ch on ch.claim_id = c.fact_id
)
select
    'plan_lookup'                                                   as check_type,
    judge(interval_gap(computed_low, computed_high, percent, h), h) as status,
    percent                                                         as reported,
    computed,
    percent - h as reported_low, percent + h as reported_high, computed_low, computed_high,
    computed - percent                                              as difference,
    (percent >= 100) <> (computed >= 100)                           as decision,
    [fact_id, plan_id]                                              as fact_ids,
    line, page, report_id,
    printf('Tỷ lệ in %s%%; với kế hoạch %s nêu ở dòng %d, %s/%s = %s%%.',
           replace(percent_raw, '.', ','), found_plan_raw, plan_line, value_raw, found_plan_raw,
           vn(computed, 2))                                         as message
from judged
