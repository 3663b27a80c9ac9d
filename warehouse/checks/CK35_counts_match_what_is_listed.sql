-- code:     CK35
-- name:     count.matches_listed
-- type:     count
-- title:    Số đếm
-- rank:     60
-- severity: error
-- why:      A count must match what the report lists for it: "03 xã (Nà Phòn, Tân Lập, Khe Mo)" names three;
--           "6/50 chỉ tiêu dự kiến không đạt" must equal the annex rows (with their own STT) labelled Không đạt
--           or Chưa đạt; "24 chỉ tiêu đạt và vượt" the rows labelled Đạt or Vượt; "Trong 32 chỉ tiêu tại biểu"
--           the annex rows with a label. A last listed item "A và B" may be read as one item or two.
-- flags:    Chỉ đạo diễn tập tại 03 xã (Đồng Tâm, Hợp Thành).
-- passes:   Chỉ đạo diễn tập tại 03 xã (Đồng Tâm, Hợp Thành, Khe Mo).
-- flags:    Có 2 chỉ tiêu không đạt kế hoạch.\n\nSTT\tChỉ tiêu\tĐVT\tKH 2023\tTH 2023\tĐánh giá\n1\tTổng đàn bò\tCon\t68.000\t67.450\tKhông đạt\n2\tTổng đàn lợn\tCon\t600.000\t612.480\tVượt
-- passes:   Có 1 chỉ tiêu không đạt kế hoạch.\n\nSTT\tChỉ tiêu\tĐVT\tKH 2023\tTH 2023\tĐánh giá\n1\tTổng đàn bò\tCon\t68.000\t67.450\tKhông đạt\n2\tTổng đàn lợn\tCon\t600.000\t612.480\tVượt
with annex as (
    select report_id,
           count(*) filter (where assessment_code = 'not_met') as not_met,
           count(*) filter (where assessment_code in ('met', 'exceeded')) as met,
           count(*) as rows,
           list(fact_id order by char_start) filter (where assessment_code = 'not_met') as not_met_ids
    from batch_facts
    where kind = 'annex_row' and stt is not null and assessment_code is not null
    group by report_id
),
claims as (
    select f.fact_id, f.report_id, f.line, f.page, f.value_raw, f.raw, f.value as claimed,
           f.listed_count as listed, f.listed_alt as listed_alt, 'list' as what, [] :: varchar[] as others
    from batch_facts f
    where f.listed_count is not null
    union all
    select f.fact_id, f.report_id, f.line, f.page, f.value_raw, f.raw, f.value,
           case f.counts when 'not_met' then a.not_met when 'met' then a.met else a.rows end, null, f.counts,
           case f.counts when 'not_met' then a.not_met_ids else [] end
    from batch_facts f join annex a using (report_id)
    where f.counts is not null
)
select
    'count'                                                     as check_type,
    case when claimed = listed or claimed = listed_alt then 'ok' else 'mismatch' end as status,
    claimed                                                     as reported,
    listed                                                      as computed,
    listed - claimed                                            as difference,
    false                                                       as decision,
    list_concat([fact_id], others)                              as fact_ids,
    line, page, report_id,
    case what
        when 'list' then printf('Ghi %s nhưng liệt kê %d mục%s.', raw, listed,
                                case when listed_alt <> listed then printf(' (hoặc %d nếu tách "và")', listed_alt) else '' end)
        when 'not_met' then printf('Ghi %s chỉ tiêu không đạt; biểu phụ lục có %d chỉ tiêu ghi "Không đạt/Chưa đạt".', value_raw, listed)
        when 'met' then printf('Ghi %s chỉ tiêu đạt, vượt; biểu phụ lục có %d chỉ tiêu ghi "Đạt/Vượt".', value_raw, listed)
        else printf('Ghi %s chỉ tiêu; biểu phụ lục có %d chỉ tiêu được đánh giá.', value_raw, listed)
    end                                                         as message
from claims
