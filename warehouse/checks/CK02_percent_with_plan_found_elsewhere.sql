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
--           places are cited. A percent that sizes a change ("45.600 tỷ đồng, tăng 3.200 tỷ đồng (+7,5%)") is
--           judged against the previous figure the change implies (45.600 − 3.200).
-- flags:    Tổng nguồn vốn được giao: 4.969 triệu đồng. Ước thực hiện năm 4.772 triệu đồng, đạt 90,03%.
-- passes:   Tổng nguồn vốn được giao: 6.995 triệu đồng. Ước thực hiện năm 6.218 triệu đồng, đạt 88,9%.
-- flags:    Dư nợ tín dụng đạt 45.600 tỷ đồng, tăng 3.200 tỷ đồng (+8,5%) so với đầu năm.
-- passes:   Dân số trung bình 320.500 người, tăng 4.100 người so với năm trước (tăng 1,3%).
-- flags:    Tỷ lệ che phủ rừng đạt 73,2%, đạt 101,5% KH (KH 73%).
-- passes:   Tỷ lệ che phủ rừng đạt 73,2%, đạt 100,3% KH (KH 73%).
with framed as (
    -- a percent whose base was found elsewhere (plans.py) or by its frame (frames.py): "vượt 11,69% so dự
    -- toán" is 100·X/Y − 100, "giảm 5%" 100 − 100·X/Y, a share 100·X/Y
    select f.*, p.line as plan_line, v.line as value_line,
           -- each number with its printed unit: "302,95 triệu USD" against "4,78 tỷ USD"
           -- a rate against its planned rate ("73,2%, đạt 100,3% KH (KH 73%)") shows both as percents
           f.value_raw || case when f.unit = '%' then '%'
                               else coalesce(' ' || nullif(coalesce(v.unit_raw, f.unit_raw), ''), '') end as value_shown,
           -- a base derived from a change ("45.600 tỷ đồng, tăng 3.200 tỷ đồng (+7,5%)": 45.600 − 3.200) is shown
           -- in the figure's scale, as it would have been printed
           case when f.plan_raw is null
                then vn_auto(f.plan / coalesce(f.plan_scale, 1)) || coalesce(' ' || nullif(coalesce(v.unit_raw, f.unit_raw), ''), '')
                else f.plan_raw || case when f.unit = '%' then '%' else coalesce(' ' || nullif(p.unit_raw, ''), '') end
           end as plan_shown,
           f.delta_raw || coalesce(' ' || nullif(p.unit_raw, ''), '') as delta_shown,
           coalesce(f.value_tolerance, 0) as tv, coalesce(f.plan_tolerance, 0) as tp,
           percent_half_unit(f.percent_decimals, f.qualifier) as h,
           coalesce(f.change, '') as relation
    from batch_facts as f
    join batch_facts as p on p.fact_id = f.plan_fact_id
    left join batch_facts as v on v.fact_id = f.value_fact_id
    where f.plan_source is not null and f.plan > 0 and f.percent is not null and f.value is not null
),
judged as (
    select *,
           case relation when 'increase' then 100 * value / plan - 100
                         when 'decrease' then 100 - 100 * value / plan
                         else 100 * value / plan end as computed,
           case relation when 'increase' then ratio_low(value, tv, plan, tp) - 100
                         when 'decrease' then 100 - ratio_high(value, tv, plan, tp)
                         else ratio_low(value, tv, plan, tp) end as computed_low,
           case relation when 'increase' then ratio_high(value, tv, plan, tp) - 100
                         when 'decrease' then 100 - ratio_low(value, tv, plan, tp)
                         else ratio_high(value, tv, plan, tp) end as computed_high
    from framed
)
select
    case when relation = '' then 'plan_lookup' else 'growth' end  as check_type,
    judge(interval_gap(computed_low, computed_high, percent, h), h) as status,
    percent                                                         as reported,
    computed,
    percent - h as reported_low, percent + h as reported_high, computed_low, computed_high,
    computed - percent                                              as difference,
    relation = '' and (percent >= 100) <> (computed >= 100)         as decision,
    -- the printed claim first, then the plan, then the figure when it is printed elsewhere (each once)
    [fact_id] || case when plan_fact_id <> fact_id then [plan_fact_id] else [] end
              || case when value_fact_id not in (fact_id, plan_fact_id) then [value_fact_id] else [] end as fact_ids,
    line, page, report_id,
    case when plan_source = 'less_change' then
    printf('Tỷ lệ in %s%%; %s %s %s so với kỳ trước (dòng %d), nên kỳ trước là %s: %s/%s = %s%%.',
           replace(percent_raw, '.', ','), value_shown, case relation when 'decrease' then 'giảm' else 'tăng' end,
           delta_shown, plan_line, plan_shown, delta_shown, plan_shown, vn(computed, 2)) || scale_slip_note(computed, percent)
    else
    printf('Tỷ lệ in %s%%; với %s %s nêu ở %sdòng %d%s, %s = %s%%.',
           replace(percent_raw, '.', ','),
           case plan_source when 'annex' then 'kế hoạch' when 'section' then 'kế hoạch' else 'gốc' end, plan_shown,
           case plan_source when 'annex' then 'biểu phụ lục, ' else '' end, plan_line,
           case when value_line is not null and value_line <> line then printf(' và số %s ở dòng %d', value_shown, value_line) else '' end,
           case relation when 'increase' then '(' || value_shown || ' − ' || plan_shown || ')/' || plan_shown
                         when 'decrease' then '(' || plan_shown || ' − ' || value_shown || ')/' || plan_shown
                         else value_shown || ' / ' || plan_shown end,
           vn(computed, 2)) || scale_slip_note(computed, percent) end  as message
from judged
