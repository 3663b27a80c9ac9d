"""Facts: a sentence or a table row and the rulebook in, Facts out. Numbers are parsed strictly
(numbers.py), units and bases read through the lexicon (units.py), labels taken from the words
before a figure (labels.py)."""
