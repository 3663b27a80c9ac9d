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
    case when f.flag is not null then 'Không kiểm tra được: ' || f.flag || '.'
         when f.base = 'same_period' then 'Không kiểm tra được: số liệu kỳ trước không được nêu.'
         else 'Không kiểm tra được: không nêu đủ số thực hiện và kế hoạch để tính lại tỷ lệ.' end as message
from batch_facts as f
where (f.percent is not null or f.percent_raw is not null)
  and f.kind in ('ratio', 'change', 'percent')
  and (f.base in ('plan', 'budget', 'same_period') or f.kind in ('ratio', 'change'))
  and coalesce(f.comparator, '') not in ('range', '>', '<', '>=', '<=')
  and not exists (select 1 from checks as c where c.report_id = f.report_id and list_contains(c.fact_ids, f.fact_id))
  and not exists (select 1 from _new_checks as c where list_contains(c.fact_ids, f.fact_id))
