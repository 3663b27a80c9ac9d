-- code:     CK01
-- name:     percent.matches_ratio
-- type:     percent
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
        0.5 * pow(10, -coalesce(f.percent_decimals, 0)) as half_unit,
        f.change is not null and f.base = 'same_period' as is_change
    from facts as f
    where f.report_id in (select report_id from _batch)
      and f.percent is not null and f.value is not null and f.plan is not null and f.plan > 0
      and f.kind in ('ratio', 'change', 'annex_row')
      and f.flag is null
      and coalesce(f.comparator, '') not in ('range', '>', '<', '>=', '<=')
),
computed as (
    select
        *,
        case when is_change and change = 'decrease' then 100 * (plan - value) / plan
             when is_change then 100 * (value - plan) / plan
             else 100 * value / plan end as computed,
        -- the interval the recomputed number can take given the rounding of X and Y
        case when is_change and change = 'decrease' then 100 * ((plan - tp) - (value + tv)) / (plan - tp)
             when is_change then 100 * ((value - tv) - (plan + tp)) / (plan + tp)
             else 100 * (value - tv) / (plan + tp) end as computed_low,
        case when is_change and change = 'decrease' then 100 * ((plan + tp) - (value - tv)) / (plan + tp)
             when is_change then 100 * ((value + tv) - (plan - tp)) / greatest(plan - tp, 1e-12)
             else 100 * (value + tv) / greatest(plan - tp, 1e-12) end as computed_high
    from claims
),
judged as (
    select
        *,
        percent - half_unit as reported_low,
        percent + half_unit as reported_high,
        greatest(computed_low - (percent + half_unit), (percent - half_unit) - computed_high, 0) as gap
    from computed
)
select
    'percent'                                   as check_type,
    case when gap <= 1e-9 then 'ok'
         when gap <= 2 * half_unit + 1e-9 then 'minor'
         else 'mismatch' end                    as status,
    percent                                     as reported,
    computed,
    reported_low, reported_high, computed_low, computed_high,
    computed - percent                          as difference,
    (not is_change and base in ('plan', 'budget') and (percent >= 100) <> (computed >= 100))
        or (is_change and computed < 0)         as decision,
    [fact_id]                                   as fact_ids,
    line, page, report_id,
    case when gap <= 1e-9 then
             printf('Tỷ lệ in %s%% khớp với %s', replace(coalesce(percent_raw, ''), '.', ','),
                    replace(printf('%.2f', computed), '.', ',') || '% tính lại từ ' || coalesce(value_raw, '?') || ' và ' || coalesce(plan_raw, '?') || '.')
         else
             printf('Tỷ lệ in %s%% nhưng %s %s %s cho %s%%%s.',
                    replace(coalesce(percent_raw, ''), '.', ','),
                    case when is_change then '(' || coalesce(value_raw, '?') || ' − ' || coalesce(plan_raw, '?') || ')/' || coalesce(plan_raw, '?')
                         else coalesce(value_raw, '?') || '/' || coalesce(plan_raw, '?') end,
                    case when is_change then 'so với kỳ trước' else '' end,
                    'tính lại',
                    replace(printf('%.2f', computed), '.', ','),
                    case when gap <= 2 * half_unit + 1e-9 then ' (lệch một đơn vị ở chữ số cuối, có thể do cắt bớt thay vì làm tròn)' else '' end)
    end                                         as message
from judged
