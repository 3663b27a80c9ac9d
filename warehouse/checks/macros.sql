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
-- half a unit of a printed percent's last digit; a whole unit when a qualifier makes it approximate ("gần 42%")
create or replace temp macro percent_half_unit(decimals, qualifier) as
    half_unit(decimals) * case when qualifier in ('above', 'below', 'approx', 'approx_below', 'at_least', 'at_most')
                               then 2 else 1 end;
-- the power of ten by which two figures differ when that is all that separates them (1.000 for triệu
-- against tỷ), else null: such a difference is a slip of unit or scale, not of arithmetic
create or replace temp macro scale_slip(a, b) as
    case when a > 0 and b > 0 and abs(log10(a / b)) >= 2.5
              and abs(log10(a / b) - round(log10(a / b))) < 0.005 then round(log10(a / b))::integer end;
-- what a reader is told about such a slip
create or replace temp macro scale_slip_note(a, b) as
    case when scale_slip(a, b) is not null
         then printf(' Hai số lệch đúng %s lần: có thể nhầm đơn vị hoặc thang (nghìn, triệu, tỷ), không phải lỗi tính.',
                     vn(pow(10, abs(scale_slip(a, b))), 0))
         else '' end;
-- a number with decimals only when it has some: 397, 173,34
create or replace temp macro vn_auto(x) as vn(x, case when abs(x - round(x)) < 1e-9 then 0 else 2 end);
