"""File formats: readers that build a :class:`~tokensmith.Tokenizer` from real tokenizer files,
and writers back to them. :mod:`tokensmith.formats.detect` sniffs which reader a path needs."""
