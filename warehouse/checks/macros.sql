-- Helpers shared by the check files (loaded as temporary macros before the checks run).
-- A printed number is the interval it could have been rounded from: ± half a unit of its last digit.
create or replace temp macro half_unit(decimals) as 0.5 * pow(10, -coalesce(decimals, 0));
-- 100·X/Y as an interval, given X ± tx and Y ± ty
create or replace temp macro ratio_low(x, tx, y, ty) as 100 * (x - tx) / (y + ty);
create or replace temp macro ratio_high(x, tx, y, ty) as 100 * (x + tx) / greatest(y - ty, 1e-12);
-- distance between the interval [lo, hi] and the printed value p ± h (0 when they meet)
create or replace temp macro interval_gap(lo, hi, p, h) as greatest(lo - (p + h), (p - h) - hi, 0);
-- ok when the intervals meet; minor when at most one unit of the last printed digit apart; else mismatch
create or replace temp macro judge(gap, h) as
    case when gap <= 1e-9 then 'ok' when gap <= 2 * h + 1e-9 then 'minor' else 'mismatch' end;
-- a number the way a Vietnamese reader writes it: 128,67 and 3.335,60
create or replace temp macro vn(x, decimals) as
    replace(replace(replace(format('{:,.' || decimals || 'f}', x), ',', '#'), '.', ','), '#', '.');
-- a number with decimals only when it has some: 397, 173,34
create or replace temp macro vn_auto(x) as vn(x, case when abs(x - round(x)) < 1e-9 then 0 else 2 end);
