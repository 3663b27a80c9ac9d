-- code:     CK30
-- name:     label.matches_numbers
-- type:     label
-- title:    Nhãn đánh giá
-- rank:     50
-- severity: error
-- why:      An annex row's label (Đạt / Vượt / Không đạt) must follow from its plan and actual, read the way
--           the indicator goes: lower is better for poverty, malnutrition, accidents (rules/indicators.toml)
--           and for ceilings such as "<12" or "≤20"; ">99" is a floor; "7-8" a band; "Giảm" means below the
--           previous period. A label that contradicts the numbers (met vs not met) is a mismatch; "Đạt" where
--           the numbers beat the plan, or "Vượt" where they only equal it, is minor.
-- flags:    STT\tChỉ tiêu\tĐVT\tKế hoạch 2023\tThực hiện 2023\tĐánh giá\n1\tDiện tích rừng bị cháy\tHa\t≤20\t26,8\tĐạt
-- flags:    STT\tChỉ tiêu\tĐVT\tKế hoạch 2023\tThực hiện 2023\tĐánh giá\n1\tTổng đàn bò\tCon\t68.000\t67.450\tVượt
-- passes:   STT\tChỉ tiêu\tĐVT\tKế hoạch 2023\tThực hiện 2023\tĐánh giá\n1\tTỷ lệ hộ nghèo\t%\t2,14\t1,97\tVượt
-- passes:   STT\tChỉ tiêu\tĐVT\tKế hoạch 2023\tThực hiện 2023\tĐánh giá\n1\tTỷ lệ tốt nghiệp THCS\t%\t>99\t100\tVượt
-- passes:   STT\tChỉ tiêu\tĐVT\tKế hoạch 2023\tThực hiện 2023\tĐánh giá\n1\tTỷ lệ hộ nghèo giảm\t%\t1,5\t1,6\tVượt
-- flags:    | TT | Chỉ tiêu | ĐVT | Kế hoạch 2023 | Thực hiện 2023 | Đánh giá |\n|---|---|---|---|---|---|\n| 1 | Thu ngân sách | Tỷ đồng | 1.200 | 1.150 | Đạt |
with rows as (
    select f.*,
           case when f.comparator in ('<', '<=') then 'lower' when f.comparator in ('>', '>=') then 'higher'
                else coalesce(f.direction, 'higher') end as better,
           coalesce(f.value_tolerance, 0) + coalesce(f.plan_tolerance, 0) as tolerance
    from batch_facts f
    where f.kind = 'annex_row' and f.assessment_code is not null and f.value is not null
),
verdicts as (
    select *,
        case
            when comparator = 'range' then case when value >= plan - tolerance then 'met' else 'not_met' end
            when comparator = '>' then case when value > plan - tolerance then 'met' else 'not_met' end
            when comparator = '>=' then case when value >= plan - tolerance then 'met' else 'not_met' end
            when comparator = '<' then case when value < plan + tolerance then 'met' else 'not_met' end
            when comparator = '<=' then case when value <= plan + tolerance then 'met' else 'not_met' end
            when plan is not null then
                case when abs(value - plan) <= tolerance then 'equal'
                     when (better = 'higher') = (value > plan) then 'exceeded' else 'not_met' end
            when plan_text ilike 'giảm%' and previous is not null then
                case when value < previous then 'met' else 'not_met' end
            when plan_text ilike 'tăng%' and previous is not null then
                case when value > previous then 'met' else 'not_met' end
        end as verdict
    from rows
)
select
    'label'                                                        as check_type,
    case when (assessment_code = 'not_met') <> (verdict = 'not_met') then 'mismatch'
         when assessment_code = 'met' and verdict = 'exceeded' then 'minor'
         when assessment_code = 'exceeded' and verdict = 'equal' then 'minor'
         else 'ok' end                                             as status,
    value                                                          as reported,
    coalesce(plan, previous)                                       as computed,
    value - coalesce(plan, previous)                               as difference,
    (assessment_code = 'not_met') <> (verdict = 'not_met')         as decision,
    [fact_id]                                                      as fact_ids,
    line, page, report_id,
    printf('Nhãn "%s" với kế hoạch %s và thực hiện %s%s: %s.', assessment, coalesce(plan_text, '—'),
           coalesce(value_raw, '—'), case better when 'lower' then ' (chỉ tiêu càng thấp càng tốt)' else '' end,
           case when (assessment_code = 'not_met') <> (verdict = 'not_met')
                then case verdict when 'not_met' then 'số liệu cho thấy không đạt' else 'số liệu cho thấy đã đạt' end
                when assessment_code = 'met' and verdict = 'exceeded' then 'số liệu vượt kế hoạch, nhãn ghi "Đạt"'
                when assessment_code = 'exceeded' and verdict = 'equal' then 'số liệu chỉ bằng kế hoạch, nhãn ghi "Vượt"'
                else 'khớp' end)                                   as message
from verdicts
where verdict is not null
