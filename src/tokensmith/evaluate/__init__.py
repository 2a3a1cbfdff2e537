"""Evaluate and compare tokenizers: metrics, corpora, and one offline report.

>>> import tokensmith as ts
>>> from tokensmith.evaluate import metrics
>>> metrics.premium([30, 50], [20, 20])
2.0

Modules, each with one job: :mod:`.metrics` (pure functions over raw counts), :mod:`.corpora`
(readers), :mod:`.languages` (codes, names, scripts), :mod:`.measure` (the tokenizing),
:mod:`.morphology` (SIGMORPHON boundary scores), :mod:`.report` (the :class:`Report`),
:mod:`.figures` and :mod:`.html` (the offline page), :mod:`.run` (:func:`evaluate`).
"""
from __future__ import annotations

# Nothing is imported here, so that `import tokensmith` stays light; `tokensmith.evaluate` (the
# function) imports the modules it needs when called.
