-- code:     CK15
-- name:     growth.difference_matches_figures
-- type:     growth
-- title:    Tăng trưởng
-- rank:     70
-- severity: error
-- why:      "26,8 ha …, giảm 4,7 ha so với năm 2022 (31,5 ha)" states three numbers that must agree: the
--           figure, last year's figure and the change between them (also in percentage points: "58,62%, tăng
--           0,17 điểm phần trăm so với năm 2022 (58,45%)"). Each is the interval it was rounded from. A
--           rate's change printed with "%" and not agreeing as a relative change is read in points.
-- flags:    Năm 2023 xảy ra 318 vụ vi phạm, giảm 48 vụ so với năm 2022 (356 vụ).
-- passes:   Năm 2023 xảy ra 318 vụ vi phạm, giảm 38 vụ so với năm 2022 (356 vụ).
-- passes:   Tỷ lệ che phủ rừng đạt 58,62%, tăng 0,17 điểm phần trăm so với năm 2022 (58,45%).
-- passes:   Tỷ lệ hộ nghèo giảm còn 3,2%, giảm 1,1% so với năm 2022 (4,3%).
-- flags:    Tỷ lệ hộ nghèo giảm còn 3,2%, giảm 1,5% so với năm 2022 (4,3%).
with claims as (
    select f.*,
           case f.change when 'decrease' then f.plan - f.value else f.value - f.plan end as computed_delta,
           case when f.unit = '%' then '%' else '' end as percent_sign,   -- a rate's figures are printed with it
           coalesce(f.value_tolerance, 0) + coalesce(f.plan_tolerance, 0) as tolerance,
           case when f.delta_raw like '%,%' then 0.5 * pow(10, -length(split_part(f.delta_raw, ',', 2)))
                    * coalesce(f.delta_scale, 1)
                else 0 end as delta_tolerance
    from batch_facts f
    where f.kind = 'difference' and f.delta is not null and f.value is not null and f.plan is not null
),
judged as (
    select *, greatest(abs(computed_delta - delta) - tolerance - delta_tolerance, 0) as gap,
           greatest(delta_tolerance, 1e-12) as h
    from claims
)
select
    'growth'                                                    as check_type,
    judge(gap, h)                                               as status,
    delta                                                       as reported,
    computed_delta                                              as computed,
    delta - delta_tolerance as reported_low, delta + delta_tolerance as reported_high,
    computed_delta - tolerance as computed_low, computed_delta + tolerance as computed_high,
    computed_delta - delta                                      as difference,
    sign(computed_delta) <> sign(delta) and computed_delta <> 0 as decision,
    [fact_id]                                                   as fact_ids,
    line, page, report_id,
    -- a rate's change printed with "%" ("giảm 1,1% so với năm 2022 (4,3%)") is read in percentage points
    -- (extract/links/frames.py keeps the relative reading when that one agrees): both readings are shown
    printf('Ghi %s %s%s so với kỳ trước; %s%s và %s%s chênh nhau %s%s%s.',
           case change when 'decrease' then 'giảm' else 'tăng' end, delta_raw, percent_sign, value_raw, percent_sign, plan_raw, percent_sign,
           vn_auto(abs(value - plan) / coalesce(delta_scale, 1)), case when percent_sign = '%' then ' điểm phần trăm' else '' end,
           case when judge(gap, h) = 'ok' then ''
                when percent_sign = '%' and plan > 0 then printf(', không khớp (theo tỷ lệ tương đối thì là %s%%)',
                                                           vn(abs(100 * value / plan - 100), 2))
                else ', không khớp' end)  as message
from judged
