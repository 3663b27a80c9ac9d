"""Pure functions over plain records, in the order they run:
reading/ → text/ → facts/ (driven by rulebook/) → links/; document.py runs them all for one file,
cases.py runs the rules' own examples through the engine."""
