"""``evaluate(tokenizers, corpora) -> Report``: the one entry point of the evaluation.

It normalises its inputs (tokenizers as objects, ``(label, tokenizer)`` pairs, names or paths;
corpora as :class:`~tokensmith.evaluate.corpora.Corpus` objects, ``{name: segments}`` or
``{name: {language: aligned segments}}``), checks the corpora (empty, misaligned, unknown language
codes), measures every tokenizer on every part with a progress bar, and returns a
:class:`~tokensmith.evaluate.report.Report`. Problems become issues, printed on the terminal with
their file and line and listed in the report; only an evaluation with nothing to evaluate raises.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Optional, Sequence, Union

from tokensmith.errors import InputTypeError, TokensmithError
from tokensmith.evaluate import display_samples
from tokensmith.evaluate.corpora import Corpus, from_spec
from tokensmith.evaluate.issues import Issue
from tokensmith.evaluate.languages import describe
from tokensmith.evaluate.measure import TokenBytes, measure, tokenizer_info
from tokensmith.evaluate.report import CorpusInfo, Report

_SIZE_SUFFIX = re.compile(r"^(.+?)[-_@ /](\d+(?:\.\d+)?)([kKmM]?)$")


def family_of(label: str) -> Optional[str]:
    """The family part of a label that ends in a vocabulary size.

    >>> family_of("bpe-8k"), family_of("unigram_32000"), family_of("cl100k_base"), family_of("gpt2")
    ('bpe', 'unigram', None, None)
    """
    m = _SIZE_SUFFIX.match(label)
    return m.group(1) if m and m.group(1) else None


def _tokenizers(tokenizers, families: Optional[Mapping[str, str]], issues: list[Issue]) -> list[tuple[str, object, Optional[str]]]:
    if isinstance(tokenizers, Mapping):
        items = list(tokenizers.items())
    elif isinstance(tokenizers, (str, bytes)) or hasattr(tokenizers, "encode"):
        items = [tokenizers]
    else:
        items = list(tokenizers)
    out, seen = [], set()
    for item in items:
        family = None
        if isinstance(item, tuple):
            if len(item) == 3:
                label, tok, family = item
            elif len(item) == 2:
                label, tok = item
            else:
                raise InputTypeError(f"a tokenizer is TOK, (label, TOK) or (label, TOK, family), got a {len(item)}-tuple")
        else:
            label, tok = None, item
        if isinstance(tok, (str, bytes)) or hasattr(tok, "__fspath__"):
            import tokensmith

            spec = str(tok)
            try:
                tok = tokensmith.load(spec)
            except (TokensmithError, OSError) as e:
                issues.append(Issue("error", f"could not load tokenizer: {e}", spec))
                continue
            label = label or spec.rstrip("/").rsplit("/", 1)[-1].removesuffix(".tiktoken").removesuffix(".json")
        if not (hasattr(tok, "encode") or hasattr(tok, "encode_batch")):
            raise InputTypeError(f"{type(tok).__name__} is not a tokenizer: it has no encode method")
        label = str(label or getattr(tok, "name", None) or type(tok).__name__)
        base, k = label, 2
        while label in seen:
            label, k = f"{base} ({k})", k + 1
        seen.add(label)
        family = (families or {}).get(label, family) or family_of(label)
        out.append((label, tok, family))
    return out


def _corpora(corpora) -> list[Corpus]:
    if isinstance(corpora, (Corpus, str)):
        corpora = [corpora]
    if isinstance(corpora, Mapping):
        out = []
        for name, value in corpora.items():
            if isinstance(value, Corpus):
                value.name = str(name)
                out.append(value)
            elif isinstance(value, Mapping):
                out.append(Corpus.aligned(str(name), value))
            elif isinstance(value, str):
                raise InputTypeError(f"corpus {name!r}: give a list of segments, not one string")
            else:
                out.append(Corpus.monolingual(str(name), value))
        return out
    out = []
    for c in corpora:
        if isinstance(c, str):
            c = from_spec(c)
        if not isinstance(c, Corpus):
            raise InputTypeError(f"expected a Corpus, a spec string or a mapping of corpora, got {type(c).__name__}")
        out.append(c)
    return out


def _pick_reference(corpus: Corpus, wanted: str) -> Optional[str]:
    """The part that stands for ``wanted`` (``eng`` matches ``en``, ``eng-US``; the plainest code wins)."""
    if wanted in corpus.parts:
        return wanted
    target = describe(wanted).iso639_3
    matches = [code for code in corpus.parts if code and describe(code).iso639_3 == target]
    return min(matches, key=lambda c: (len(c), c)) if matches else None


def _check(corpus: Corpus, reference: Optional[str], issues: list[Issue]) -> CorpusInfo:
    parts = {k: v for k, v in corpus.parts.items()}
    for code, texts in list(parts.items()):
        if len(texts) == 0:
            issues.append(Issue("error", "no segments; left out", texts.source or corpus.source, corpus=corpus.name,
                                language=code))
            del parts[code]
        elif code and not describe(code).known:
            issues.append(Issue("warning", f"unknown language code {code!r}: labelled as is, script read from the text",
                                texts.source or corpus.source, corpus=corpus.name, language=code))
    corpus.parts = parts
    info = CorpusInfo(corpus.name, corpus.parallel, corpus.source, list(parts))
    if not corpus.parallel or not parts:
        return info
    ref = _pick_reference(corpus, reference) if reference else None
    if ref is None:
        issues.append(Issue("warning", f"reference language {reference!r} not in this corpus; premiums are n/a",
                            corpus.source, corpus=corpus.name))
        return info
    info.reference = ref
    ref_texts = parts[ref]
    if corpus.keyed:
        index = {k: i for i, k in enumerate(ref_texts.key_list())}
        for code, texts in parts.items():
            info.alignment[code] = [index.get(k, -1) for k in texts.key_list()]
    else:
        for code, texts in parts.items():
            if len(texts) != len(ref_texts):
                last = len(texts) - 1
                issues.append(Issue(
                    "error", f"{len(texts)} segments where the reference ({ref}) has {len(ref_texts)}: not aligned"
                    f" by position, so left out of premiums and parity (its own metrics are kept)",
                    texts.origin(last) if last >= 0 else texts.source, corpus=corpus.name, language=code))
                info.misaligned.append(code)
                info.alignment[code] = [-1] * len(texts)
            else:
                info.alignment[code] = list(range(len(texts)))
    return info


def evaluate(tokenizers, corpora, *, reference_language: str = "eng", baseline: Optional[str] = None,
             families: Optional[Mapping[str, str]] = None, languages: Optional[Iterable[str]] = None,
             max_segments: Optional[int] = None, morphology=None, morphology_words: int = 2000,
             threads: Optional[int] = None, bootstrap: int = 1000, seed: int = 0, samples: int = 4,
             roundtrip: bool = True, word_level: bool = True, progress: Optional[bool] = None,
             console=None) -> Report:
    """Measure ``tokenizers`` on ``corpora`` and return a :class:`Report`.

    ``tokenizers``: tokenizer objects, ``(label, tokenizer)`` or ``(label, tokenizer, family)``
    tuples, names/paths for :func:`tokensmith.load`, or ``{label: tokenizer}``. Trained
    tokenizers of one family at several sizes (``families={label: family}``, or labels such as
    ``bpe-8k``, ``bpe-32k``) get a compression-vs-vocabulary-size figure.
    ``corpora``: :class:`Corpus` objects or spec strings (see ``corpora.SPEC_HELP``),
    ``{name: [segments]}``, or ``{name: {language: [aligned segments]}}``.

    ``reference_language`` is the denominator of premiums (a parallel corpus's ``en``/``eng``/...
    part); ``baseline`` names the tokenizer of the normalised sequence length. ``morphology`` is a
    SIGMORPHON 2022 folder (or ``True`` for the shared test data) for boundary P/R/F1 on up to
    ``morphology_words`` words per language. Bootstrap intervals use ``bootstrap`` resamples
    seeded with ``seed``. ``progress`` shows a rich progress bar (default: on a terminal).
    """
    from rich.console import Console

    console = console or Console(stderr=True)
    issues: list[Issue] = []
    toks = _tokenizers(tokenizers, families, issues)
    corps = [c.select(languages, max_segments) if (languages is not None or max_segments) else c for c in _corpora(corpora)]
    for c in corps:
        issues += c.issues
        if c.n_segments == 0:
            issues.append(Issue("error", "corpus is empty; left out", c.source, corpus=c.name))
    corps = [c for c in corps if c.n_segments > 0]
    infos = [_check(c, reference_language, issues) for c in corps]
    if not toks:
        _print_issues(console, issues)
        raise InputTypeError("no tokenizer to evaluate" + (f" ({len(issues)} problems above)" if issues else ""))
    if not any(c.parts for c in corps) and morphology is None:
        _print_issues(console, issues)
        raise InputTypeError("no corpus with text to evaluate" + (": " + "; ".join(map(str, issues)) if issues else ""))
    labels = [t[0] for t in toks]
    if baseline is not None and baseline not in labels:
        issues.append(Issue("warning", f"baseline {baseline!r} is not one of the tokenizers ({', '.join(labels)}); NSL is n/a"))
        baseline = None

    tok_infos, vocabs, measurements, token_bytes = [], {}, [], {}
    total = sum(len(t) for c in corps for t in c.parts.values()) * len(toks)
    show = console.is_terminal if progress is None else progress
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not show, transient=False) as bar:
        task = bar.add_task("loading vocabularies", total=total)
        for label, tok, family in toks:
            info, vocab = tokenizer_info(label, tok, family)
            tok_infos.append(info)
            vocabs[label] = vocab
            token_bytes[label] = TokenBytes(tok)
        for corpus in corps:
            for label, tok, _ in toks:
                info = next(t for t in tok_infos if t.label == label)
                for code, texts in corpus.parts.items():
                    bar.update(task, description=f"{label} · {corpus.name}{' · ' + code if code else ''}")
                    measurements.append(measure(tok, texts, info, token_bytes[label], corpus=corpus.name,
                                                language=code, threads=threads, issues=issues,
                                                roundtrip=roundtrip, word_level=word_level))
                    bar.advance(task, len(texts))
        morph = []
        if morphology is not None:
            from tokensmith.evaluate import morphology as morph_mod

            bar.update(task, description="morphological boundaries")
            morph = morph_mod.evaluate_boundaries(toks, morphology, max_words=morphology_words, issues=issues)
    report = Report(tok_infos, infos, measurements, issues, overlap_matrix(vocabs),
                    display_samples.pick(toks, corps, infos, samples), morph,
                    {"reference_language": reference_language, "baseline": baseline, "bootstrap": bootstrap,
                     "seed": seed, "threads": threads, "renyi_alpha": 2.5})
    _print_issues(console, issues)
    return report


def overlap_matrix(vocabs: Mapping[str, set]) -> dict:
    """Jaccard overlap of vocabularies (token byte strings, specials excluded)."""
    labels = list(vocabs)
    matrix = [[(len(vocabs[a] & vocabs[b]) / len(vocabs[a] | vocabs[b])) if (vocabs[a] or vocabs[b]) else 0.0
               for b in labels] for a in labels]
    return {"labels": labels, "jaccard": matrix}


def _print_issues(console, issues: Sequence[Issue]) -> None:
    from rich.markup import escape

    for issue in issues:
        console.print(f"[{'red' if issue.level == 'error' else 'yellow'}]{escape(str(issue))}")
