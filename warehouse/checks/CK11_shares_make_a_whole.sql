-- code:     CK11
-- name:     sum.shares_make_a_whole
-- type:     sum
-- title:    Tổng các phần
-- rank:     30
-- severity: error
-- why:      The shares of a structure ("Cơ cấu giá trị sản xuất: nông nghiệp chiếm 68,4%, lâm nghiệp 24,9%,
--           thủy sản 6,7%", or the % sub-rows of an annex row "Cơ cấu kinh tế") make up 100%, within the
--           rounding of each printed share. More than 100% is a mismatch; a sum far below (< 85%) may list
--           only some parts and is unverifiable.
-- flags:    Cơ cấu giá trị sản xuất: nông nghiệp chiếm 68,4%, lâm nghiệp 24,9%, thủy sản 8,7%.
-- passes:   Cơ cấu giá trị sản xuất: nông nghiệp chiếm 68,4%, lâm nghiệp 24,9%, thủy sản 6,7%.
with shares as (
    -- an annex sub-row gives its actual, or its plan when only the plan is printed
    select f.*,
           case when f.kind = 'annex_row' then coalesce(f.value, f.plan) else f.percent end as share,
           case when f.kind <> 'annex_row' then half_unit(f.percent_decimals)
                when f.value is not null then coalesce(f.value_tolerance, 0.5)
                else 0.5 * pow(10, -length(split_part(coalesce(f.plan_raw, ''), ',', 2))) end as tolerance,
           case when f.kind = 'annex_row' then coalesce(nullif(f.value_raw, ''), f.plan_raw) else f.percent_raw end as shown
    from batch_facts f
    where f.share_group is not null
),
groups as (
    select report_id, share_group, count(*) as n, sum(share) as total, sum(tolerance) as tolerance,
           string_agg(shown, ' + ' order by char_start) as shown, list(fact_id order by char_start) as ids,
           min(line) as line, min(page) as page
    from shares where share is not null
    group by report_id, share_group
    having count(*) >= 2
)
select
    'sum'                                                        as check_type,
    case when abs(total - 100) <= tolerance + 1e-9 then 'ok'
         when total < 100 and total + tolerance < 85 then 'unverifiable'
         else 'mismatch' end                                     as status,
    100.0                                                        as reported,
    total                                                        as computed,
    100.0 as reported_low, 100.0 as reported_high, total - tolerance as computed_low, total + tolerance as computed_high,
    total - 100                                                  as difference,
    false                                                        as decision,
    ids                                                          as fact_ids,
    line, page, report_id,
    case when abs(total - 100) <= tolerance + 1e-9
         then printf('Các tỷ trọng %s cộng lại %s%%, khớp với 100%%.', shown, vn_auto(total))
         when total < 100 and total + tolerance < 85
         then printf('Các tỷ trọng nêu (%s) chỉ cộng lại %s%%: có thể chưa nêu hết, không kết luận.', shown, vn_auto(total))
         else printf('Các tỷ trọng %s cộng lại %s%%, không phải 100%%.', shown, vn_auto(total)) end as message
from groups
