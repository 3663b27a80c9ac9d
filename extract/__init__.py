"""Reading, normalising, segmenting and fact extraction: pure functions over plain records."""
