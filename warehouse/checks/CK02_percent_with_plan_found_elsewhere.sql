-- code:     CK02
-- name:     percent.plan_lookup
-- type:     plan_lookup
-- title:    Tra kế hoạch
-- rank:     20
-- severity: error
-- why:      "Ước thực hiện năm 3.888 triệu đồng, đạt 27,87%" prints a share without its plan; the plan is
--           stated elsewhere — an earlier sentence of the same section ("Tổng nguồn vốn được giao: 10.361,8
--           triệu đồng") or the annex row of the same indicator; extraction found it (facts.plan_source,
--           extract/links/plans.py). The share is recomputed against it, rounding-aware as in CK01, and both
--           places are cited.
-- flags:    Tổng nguồn vốn được giao: 4.969 triệu đồng. Ước thực hiện năm 4.772 triệu đồng, đạt 90,03%.
-- passes:   Tổng nguồn vốn được giao: 6.995 triệu đồng. Ước thực hiện năm 6.218 triệu đồng, đạt 88,9%.
with judged as (
    select f.*, p.line as plan_line,
           100 * f.value / f.plan as computed,
           ratio_low(f.value, coalesce(f.value_tolerance, 0), f.plan, coalesce(f.plan_tolerance, 0)) as computed_low,
           ratio_high(f.value, coalesce(f.value_tolerance, 0), f.plan, coalesce(f.plan_tolerance, 0)) as computed_high,
           half_unit(f.percent_decimals) as h
    from batch_facts as f
    join batch_facts as p on p.fact_id = f.plan_fact_id
    where f.plan_source is not null and f.plan > 0 and f.percent is not null and f.value is not null
)
select
    'plan_lookup'                                                   as check_type,
    judge(interval_gap(computed_low, computed_high, percent, h), h) as status,
    percent                                                         as reported,
    computed,
    percent - h as reported_low, percent + h as reported_high, computed_low, computed_high,
    computed - percent                                              as difference,
    (percent >= 100) <> (computed >= 100)                           as decision,
    [fact_id, plan_fact_id]                                         as fact_ids,
    line, page, report_id,
    printf('Tỷ lệ in %s%%; với kế hoạch %s nêu ở %sdòng %d, %s/%s = %s%%.',
           replace(percent_raw, '.', ','), plan_raw,
           case plan_source when 'annex' then 'biểu phụ lục, ' else '' end, plan_line,
           value_raw, plan_raw, vn(computed, 2))                    as message
from judged
