-- code:     CK01
-- name:     percent.matches_ratio
-- type:     percent (growth for a change against an earlier period)
-- title:    Tỷ lệ %
-- rank:     10
-- severity: error
-- why:      A printed share Z% should equal 100·X/Y (or the change 100·(X−Y)/Y for "tăng/giảm Z% so với …
--           (Y)"). Every printed number is the interval it could have been rounded from: the percent ± half a
--           unit of its last digit, and X and Y ± half a unit of theirs. ok when the intervals meet; minor
--           when they are at most one unit of the percent's last digit apart (truncation: 7,72/6 → 128,6%);
--           mismatch otherwise. decision is set when the error flips the conclusion.
-- flags:    Diện tích chuyển đổi cơ cấu cây trồng thực hiện 7,72/6ha đạt 182,6% KH.
-- passes:   Diện tích chuyển đổi cơ cấu cây trồng thực hiện 7,72/6ha đạt 128,6% KH.
-- passes:   Ước đến 31/12/2023 thu ngân sách đạt 201,922/260 tỷ đồng bằng 77,66% dự toán.
-- flags:    Giá trị sản xuất ước đạt 4.215,6 tỷ đồng, tăng 9,12% so với cùng kỳ năm 2023 (3.935,4 tỷ đồng).
with claims as (
    select
        f.*,
        coalesce(f.value_tolerance, 0) as tv,
        coalesce(f.plan_tolerance, 0)  as tp,
        percent_half_unit(f.percent_decimals, f.qualifier) as h,
        f.change is not null as is_change   -- "tăng 9,12% so với cùng kỳ (Y)", "vượt 21,3% kế hoạch"
    from batch_facts as f
    where f.percent is not null and f.value is not null and f.plan is not null and f.plan > 0
      and f.kind in ('ratio', 'change', 'annex_row')
      and f.flag is null and f.plan_source is null
      and coalesce(f.comparator, '') not in ('range', '>', '<', '>=', '<=')
),
computed as (
    -- a change "tăng Z% so với … (Y)" is 100·(X−Y)/Y; "giảm Z%" is 100·(Y−X)/Y; a share is 100·X/Y
    select
        *,
        case when not is_change then 100 * value / plan
             when change = 'decrease' then 100 - 100 * value / plan
             else 100 * value / plan - 100 end as computed,
        case when not is_change then ratio_low(value, tv, plan, tp)
             when change = 'decrease' then 100 - ratio_high(value, tv, plan, tp)
             else ratio_low(value, tv, plan, tp) - 100 end as computed_low,
        case when not is_change then ratio_high(value, tv, plan, tp)
             when change = 'decrease' then 100 - ratio_low(value, tv, plan, tp)
             else ratio_high(value, tv, plan, tp) - 100 end as computed_high
    from claims
)
select
    case when is_change then 'growth' else 'percent' end            as check_type,
    judge(interval_gap(computed_low, computed_high, percent, h), h) as status,
    percent                                                         as reported,
    computed,
    percent - h as reported_low, percent + h as reported_high, computed_low, computed_high,
    computed - percent                                              as difference,
    (not is_change and base in ('plan', 'budget') and (percent >= 100) <> (computed >= 100))
        or (is_change and computed < 0)                             as decision,
    [fact_id]                                                       as fact_ids,
    line, page, report_id,
    case judge(interval_gap(computed_low, computed_high, percent, h), h)
        when 'ok' then printf('Tỷ lệ in %s%% khớp: %s tính lại được %s%%.', replace(percent_raw, '.', ','),
                              case when is_change then '(' || value_raw || ' − ' || plan_raw || ')/' || plan_raw
                                   else value_raw || '/' || plan_raw end, vn(computed, 2))
        -- truncation only when cutting the recomputed percent at the printed digits gives the printed one
        when 'minor' then printf('Tỷ lệ in %s%%, tính lại %s%%: lệch một đơn vị ở chữ số cuối%s.',
                                 replace(percent_raw, '.', ','), vn(computed, 2),
                                 case when abs(trunc(computed * pow(10, coalesce(percent_decimals, 0)))
                                               / pow(10, coalesce(percent_decimals, 0)) - percent) < 1e-9
                                      then ' (cắt bớt thay vì làm tròn)' else '' end)
        else printf('Tỷ lệ in %s%% nhưng %s cho %s%%.', replace(percent_raw, '.', ','),
                    case when is_change then '(' || value_raw || ' − ' || plan_raw || ')/' || plan_raw
                         else value_raw || '/' || plan_raw end, vn(computed, 2)) || scale_slip_note(computed, percent)
    end                                                             as message
from computed
