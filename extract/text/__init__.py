"""Text: small normalising fixes, segmenting into blocks, sentences, footnotes and table rows, and
what a report's header says of it (title, locality, year, period)."""
