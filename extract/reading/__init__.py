"""Reading report files (text, PDF, Word) into SourceDocs: one reader per format (source.READERS),
encodings and legacy charsets, the limits a file must keep, and ReadError's messages."""
