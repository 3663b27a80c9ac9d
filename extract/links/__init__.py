"""Links between facts: plans found elsewhere, totals and their parts, the same indicator printed
twice, counts of listed items, and the indicator each fact measures."""
