"""Problems found while reading corpora or running tokenizers, collected instead of raised.

An evaluation keeps going when one file is misaligned or one tokenizer fails on one text: the
problem becomes an :class:`Issue` that names the file and line (``where``), is printed on the
terminal, and is listed in the report. Only a problem that leaves nothing to evaluate raises.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Issue:
    """One problem: ``level`` is ``"warning"`` (results kept, with a caveat) or ``"error"``
    (something was left out); ``where`` is ``path:line`` when known.

    >>> str(Issue("error", "not valid UTF-8", where="a.txt:3", corpus="web"))
    'error: a.txt:3: not valid UTF-8 [corpus web]'
    """

    level: str
    message: str
    where: str = ""
    corpus: str = ""
    language: str = ""
    tokenizer: str = ""

    def __str__(self) -> str:
        context = ", ".join(f"{k} {v}" for k, v in (("tokenizer", self.tokenizer), ("corpus", self.corpus),
                                                    ("language", self.language)) if v)
        return (f"{self.level}: " + (f"{self.where}: " if self.where else "") + self.message
                + (f" [{context}]" if context else ""))

    def to_dict(self) -> dict:
        return asdict(self)
