-- code:     CK10
-- name:     sum.total_equals_parts
-- type:     sum
-- title:    Tổng các phần
-- rank:     30
-- severity: error
-- why:      A total and the parts listed for it (after "gồm", "bao gồm", "trong đó", in a bracket, in a
--           footnote, or as annex sub-rows; linked by extract/links/breakdowns.py) must add up. Each printed number
--           may be off by half a unit of its last digit, so the tolerance is the sum of those half units.
--           A total printed with "hơn/trên" is a near lower bound (the parts may exceed it by up to 10%), with
--           "dưới" a near upper bound, and with "khoảng/gần/ước khoảng" an approximation (within 10%). Annex
--           sub-rows are checked for the plan column too. The list may follow its trigger in the next sentence
--           or as list items ("…, gồm :" / "+ …: 1.301,6 tỷ đồng;"), or open the sentence after its total
--           ("… 1.690 tỷ đồng. Trong đó, …"); a single part after "trong đó" is checked only for exceeding it.
--           Parts after "trong đó" or in a footnote that add up to far less than the total (< 85%) may be
--           only some of the parts: unverifiable, not a mismatch; more than the total is always a mismatch.
-- flags:    Số hồ sơ đang giải quyết 477 (trong hạn 369, quá hạn 27, trả lại: 01).
-- passes:   Số hồ sơ đã giải quyết 3.988 (trước hạn 352, đúng hạn 3.610, quá hạn 26).
-- passes:   Tổng thu ước khoảng 10 tỷ đồng (trong đó: thu phí 4,5 tỷ đồng và thu lệ phí 4,5 tỷ đồng).
-- passes:   Trong năm có hơn 5.621 lượt khách, trong đó 144 lượt khách quốc tế, 5.482 lượt khách trong nước.
-- flags:    Tổng chi ngân sách quý I đạt hơn 1.690 tỷ đồng. Trong đó, chi đầu tư là 823,7 tỷ đồng; chi thường xuyên hơn 1.574 tỷ đồng.
-- flags:    Khối lượng thực hiện ước đạt 1.863 tỷ đồng, trong đó:\nCác dự án vốn ODA đạt 2.210 tỷ đồng.
-- passes:   Khối lượng thực hiện ước đạt 2.863 tỷ đồng, trong đó:\nCác dự án vốn ODA đạt 2.210 tỷ đồng.
-- passes:   Toàn huyện có 1.250 hộ nghèo, trong đó: 320 hộ dân tộc thiểu số, 150 hộ có người khuyết tật.
-- flags:    Diện tích trồng rừng 172,86 ha; trong đó: trồng lại 127,585 ha; trồng mới 5,48 ha; dự án khác 8,75 ha; phân tán 31,52 ha.
with groups as (
    select report_id, total_fact_id, breakdown,
           count(*)                          as n,
           sum(value)                        as part_sum,
           sum(coalesce(value_tolerance, 0)) as part_tolerance,
           sum(plan)                         as plan_sum,
           bool_and(plan is not null)        as all_plans,
           sum(coalesce(plan_tolerance, 0))  as plan_part_tolerance,
           list(fact_id order by char_start) as part_ids,
           -- each part with its unit as printed: "227.452,76 triệu đồng + 9.805,37 triệu đồng"
           string_agg(coalesce(value_raw, raw) || coalesce(' ' || nullif(unit_raw, ''), ''), ' + ' order by char_start) as parts_text,
           string_agg(coalesce(plan_raw, '?'), ' + ' order by char_start) as plan_parts_text
    from batch_facts
    where total_fact_id is not null
    group by all
    -- a single part after "trong đó" is a claim only when it exceeds its whole (kept by the final filter)
    having count(*) >= 2 or any_value(breakdown) = 'trong_do'
),
-- one row per column checked: the figure itself, and for annex sub-rows and footnoted ratios the plan too
claims as (
    select g.*, t.fact_id as total_id, t.line, t.page, t.qualifier, t.unit_raw, 'value' as what,
           t.value as total, coalesce(t.value_tolerance, 0) as total_tolerance, t.value_raw as total_raw,
           coalesce(t.value_scale, 1) as total_scale,
           part_sum as parts, part_tolerance as tolerance, parts_text as shown
    from groups g join batch_facts t on t.fact_id = g.total_fact_id
    where t.value is not null
    union all
    select g.*, t.fact_id, t.line, t.page, null, t.unit_raw, 'plan',
           t.plan, coalesce(t.plan_tolerance, 0), t.plan_raw, coalesce(t.plan_scale, 1),
           plan_sum, plan_part_tolerance, plan_parts_text
    from groups g join batch_facts t on t.fact_id = g.total_fact_id
    where t.plan is not null and g.all_plans and t.plan_source is null
),
judged as (
    select *,
        parts - total as diff,
        case
            -- "hơn 1.690 tỷ đồng" is a bound, but a near one: parts adding up to 2.397,7 are not "hơn 1.690"
            when qualifier in ('above', 'at_least') then greatest(total - total_tolerance - (parts + tolerance),
                                                                 parts - tolerance - 1.1 * (total + total_tolerance), 0)
            when qualifier in ('below', 'at_most') then greatest(parts - tolerance - (total + total_tolerance),
                                                                 0.9 * (total - total_tolerance) - (parts + tolerance), 0)
            when qualifier in ('approx', 'approx_below', 'estimate')
                then greatest(abs(parts - total) - tolerance - total_tolerance - 0.1 * abs(total), 0)
            else greatest(abs(parts - total) - tolerance - total_tolerance, 0)
        end as gap,
        -- "trong đó" and a footnote may name only some parts: far below the total, they are a subset
        breakdown in ('trong_do', 'footnote') and parts + tolerance < 0.85 * (total - total_tolerance) as maybe_subset
    from claims
    where n >= 2 or parts - tolerance > total + total_tolerance
)
select
    'sum'                                              as check_type,
    case when gap <= 1e-9 * greatest(abs(total), 1) then 'ok' when maybe_subset then 'unverifiable'
         else 'mismatch' end as status,
    total                                              as reported,
    parts                                              as computed,
    total - total_tolerance as reported_low, total + total_tolerance as reported_high,
    parts - tolerance as computed_low, parts + tolerance as computed_high,
    diff                                               as difference,
    false                                              as decision,
    list_prepend(total_id, part_ids)                   as fact_ids,
    line, page, report_id,
    case when maybe_subset and gap > 1e-9 * greatest(abs(total), 1)
         then printf('Các phần nêu (%s) cộng lại %s, ít hơn nhiều so với tổng %s: có thể chỉ là một phần, không kết luận.',
                     shown, vn_auto(parts / total_scale), total_raw)
         when gap <= 1e-9 * greatest(abs(total), 1)
         then printf('Tổng %s%s khớp với tổng các phần: %s.', case what when 'plan' then '(kế hoạch) ' else '' end,
                     total_raw, shown)
         else printf('Tổng %sin %s%s nhưng các phần cộng lại %s = %s%s (lệch %s).',
                     case what when 'plan' then '(cột kế hoạch) ' else '' end, total_raw,
                     coalesce(' ' || nullif(unit_raw, ''), ''), shown, vn_auto(parts / total_scale),
                     coalesce(' ' || nullif(unit_raw, ''), ''), vn_auto(diff / total_scale)) || scale_slip_note(parts, total)
    end                                                as message
from judged
