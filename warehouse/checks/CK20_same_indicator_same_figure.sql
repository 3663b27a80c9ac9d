-- code:     CK20
-- name:     cross.same_indicator_same_figure
-- type:     cross
-- title:    Hai nơi khác nhau
-- rank:     40
-- severity: error
-- why:      The same indicator printed in two places (the text and the annex table, or two sentences) must
--           carry the same figure. extract/links/crossref.py links the places (same plan and shared words, or
--           subjects that read alike); each figure is the interval it could have been rounded from, so
--           "93,8%" and "93,79" agree, while 258.400 and 258.100 do not. Off by one unit of the coarser
--           printed digit is minor.
-- (an example spans lines with \n and table cells with \t)
-- flags:    Đàn gia cầm 258.400/285.060 con đạt 90,6% KH.\n\nSTT\tChỉ tiêu\tĐVT\tKế hoạch 2023\tThực hiện 2023\tĐánh giá\n1\tĐàn gia cầm\tCon\t285.060\t258.100\tKhông đạt
-- passes:   Đàn gia cầm 258.100/285.060 con đạt 90,5% KH.\n\nSTT\tChỉ tiêu\tĐVT\tKế hoạch 2023\tThực hiện 2023\tĐánh giá\n1\tĐàn gia cầm\tCon\t285.060\t258.100\tKhông đạt
with pairs as (
    select f.fact_id, f.report_id, f.line, f.page, f.same_as_column as col, o.fact_id as other_id, o.line as other_line,
           o.kind = 'annex_row' as in_annex,
           case f.same_as_column when 'percent' then f.percent else f.value end as here,
           case f.same_as_column when 'percent' then half_unit(f.percent_decimals)
                else coalesce(f.value_tolerance, 0) end as here_tolerance,
           case f.same_as_column when 'percent' then coalesce(f.percent_raw, '') else coalesce(f.value_raw, '') end as here_raw,
           o.value as there, coalesce(o.value_tolerance, 0) as there_tolerance, coalesce(o.value_raw, '') as there_raw
    from batch_facts f join batch_facts o on o.fact_id = f.same_as_fact_id
    where o.value is not null
),
judged as (
    select *, there - here as diff,
           greatest(abs(there - here) - here_tolerance - there_tolerance, 0) as gap,
           2 * greatest(here_tolerance, there_tolerance) as one_unit
    from pairs where here is not null
)
select
    'cross'                                                     as check_type,
    case when gap <= 1e-9 * greatest(abs(here), 1) then 'ok'
         when gap <= one_unit + 1e-9 then 'minor' else 'mismatch' end as status,
    here                                                        as reported,
    there                                                       as computed,
    here - here_tolerance as reported_low, here + here_tolerance as reported_high,
    there - there_tolerance as computed_low, there + there_tolerance as computed_high,
    diff                                                        as difference,
    false                                                       as decision,
    [fact_id, other_id]                                         as fact_ids,
    line, page, report_id,
    case when gap <= 1e-9 * greatest(abs(here), 1)
         then printf('Số liệu %s%s khớp với %s ở %s dòng %d.', here_raw, case col when 'percent' then '%' else '' end,
                     there_raw, case when in_annex then 'biểu phụ lục,' else 'câu' end, other_line)
         else printf('Cùng chỉ tiêu nhưng in %s%s ở dòng %d và %s ở %s dòng %d.', here_raw,
                     case col when 'percent' then '%' else '' end, line, there_raw,
                     case when in_annex then 'biểu phụ lục,' else 'câu' end, other_line)
    end                                                         as message
from judged
