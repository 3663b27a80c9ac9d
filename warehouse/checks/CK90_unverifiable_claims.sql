-- code:     CK90
-- name:     percent.unverifiable
-- type:     percent
-- title:    Tỷ lệ %
-- rank:     10
-- after:    * (it lists only the claims no check run before it has cited)
-- severity: info
-- why:      A percent stated against a plan, budget or earlier period whose numbers are not printed where it
--           is (and that no other check could look up) cannot be recomputed. It is listed as unverifiable so
--           the reader sees what was not checked; it is never a mismatch. Malformed figures land here too.
-- flags:    Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ đạt 3.640 tỷ đồng, bằng 100% KH.
-- passes:   Diện tích chuyển đổi cơ cấu cây trồng thực hiện 7,72/6ha đạt 128,6% KH.
select
    'percent'                          as check_type,
    'unverifiable'                     as status,
    f.percent                          as reported,
    null::double                       as computed,
    [f.fact_id]                        as fact_ids,
    f.line, f.page, f.report_id,
    -- why, in the reviewer's words: what the report prints and what it leaves out
    'Không kiểm tra được: ' || case
        when f.flag is not null then 'số in không đúng định dạng (' || f.flag || ').'
        when (f.base = 'same_period' or f.change is not null) and f.value is not null
            then printf('có số %s nhưng không nêu số liệu kỳ trước để tính lại mức tăng, giảm.', f.value_raw)
        when f.base = 'same_period' or f.change is not null then 'số liệu kỳ trước không được nêu.'
        when f.base in ('plan', 'budget') and f.value is not null
            then printf('có số thực hiện %s nhưng không tìm thấy số %s được nêu trong báo cáo.', f.value_raw,
                        case f.base when 'budget' then 'dự toán' else 'kế hoạch' end)
        when f.base in ('plan', 'budget')
            then printf('không nêu số thực hiện và số %s để tính lại tỷ lệ.', case f.base when 'budget' then 'dự toán' else 'kế hoạch' end)
        when f.value is not null
            then printf('có số %s nhưng không rõ tỷ lệ được tính trên tổng nào (không có, hoặc có nhiều số có thể là tổng mà không số nào khớp).', f.value_raw)
        else 'không nêu đủ số thực hiện và số gốc để tính lại tỷ lệ.' end as message
from batch_facts as f
where (f.percent is not null or f.percent_raw is not null)
  and f.kind in ('ratio', 'change', 'percent')
  and (f.base in ('plan', 'budget', 'same_period') or f.kind in ('ratio', 'change'))
  and coalesce(f.comparator, '') not in ('range', '>', '<', '>=', '<=')
  and not exists (select 1 from checks as c where c.report_id = f.report_id and list_contains(c.fact_ids, f.fact_id))
  and not exists (select 1 from _new_checks as c where list_contains(c.fact_ids, f.fact_id))
