"""Corpora for evaluation: monolingual texts and parallel (aligned) texts in many languages.

A :class:`Corpus` is a name and one or more *parts*, each a :class:`Texts` (segments plus where
each came from). A monolingual corpus has one part; a parallel corpus has one part per language,
and its segments are aligned either by position (NTREX-128 lines) or by explicit keys (UD PUD
sentence ids, UDHR articles, gettext msgids), so premiums compare the same content.

Readers, each returning a :class:`Corpus`:

- :func:`read_text` (one segment per line), :func:`read_jsonl` (one field per record);
- :func:`read_parallel_folder` (NTREX-128 layout: one ``*.<lang>.txt`` per language, line-aligned;
  a folder or a ``.tar.xz``), :func:`read_udhr`, :func:`read_pud` (with gold words from the
  CoNLL-U files when they sit beside the TSV);
- :func:`read_po` (gettext catalogues aligned by msgid; the source strings are the English part);
- the embedded defaults: :func:`django_catalogues` (the ``.po`` files pip installs with Django) and
  :func:`stdlib_source` (the running interpreter's standard library);
- :func:`from_spec` turns a command-line ``--corpus`` string into one of the above.

Readers never stop at a bad line: a line that is not UTF-8, a JSON record without the field, a
catalogue entry that does not parse becomes an :class:`~tokensmith.evaluate.issues.Issue` with
the file and line, stored in ``Corpus.issues``. A path that does not exist raises
:class:`~tokensmith.errors.TokenizerNotFoundError`'s sibling, ``FileNotFoundError``, and a spec that
cannot be understood raises :class:`~tokensmith.errors.InputTypeError`.
"""
from __future__ import annotations

import csv
import io
import json
import lzma
import os
import re
import sysconfig
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Hashable, Iterable, Iterator, Mapping, Optional, Sequence, Union

from tokensmith.errors import FormatError, InputTypeError
from tokensmith.evaluate.issues import Issue

PathLike = Union[str, os.PathLike]


@dataclass
class Texts:
    """The segments of one language (or of a monolingual corpus).

    ``keys`` align segments across the languages of a parallel corpus (default: the position);
    ``origins`` give each segment's ``(file, line)`` for messages; ``words`` are gold word
    segmentations (UD) used by the fertility metrics instead of whitespace splitting.
    """

    texts: list[str]
    language: Optional[str] = None
    keys: Optional[list[Hashable]] = None
    origins: Optional[list[tuple[str, int]]] = None
    words: Optional[list[list[str]]] = None
    source: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    def key_list(self) -> list[Hashable]:
        return list(self.keys) if self.keys is not None else list(range(len(self.texts)))

    def origin(self, i: int) -> str:
        """``file:line`` of segment ``i`` (or ``source[segment i+1]`` when lines are unknown)."""
        if self.origins is not None:
            path, line = self.origins[i]
            return f"{path}:{line}"
        return f"{self.source or '<memory>'}[segment {i + 1}]"

    def take(self, indices: Sequence[int]) -> "Texts":
        pick = lambda xs: None if xs is None else [xs[i] for i in indices]  # noqa: E731
        return Texts([self.texts[i] for i in indices], self.language, pick(self.keys), pick(self.origins),
                     pick(self.words), self.source)


@dataclass
class Corpus:
    """A named corpus: ``parts`` maps a language code (``""`` when unknown) to its :class:`Texts`."""

    name: str
    parts: dict[str, Texts]
    parallel: bool = False
    source: str = ""
    issues: list[Issue] = field(default_factory=list)
    #: Whether segments are aligned by explicit keys (True) or by position (False).
    keyed: bool = False

    @classmethod
    def monolingual(cls, name: str, texts: Iterable[str], *, language: Optional[str] = None) -> "Corpus":
        """A corpus from in-memory segments.

        >>> Corpus.monolingual("notes", ["a b", "c"]).parts[""].texts
        ['a b', 'c']
        """
        code = language or ""
        return cls(name, {code: Texts(list(texts), language or None, source=name)})

    @classmethod
    def aligned(cls, name: str, languages: Mapping[str, Sequence[str]]) -> "Corpus":
        """A parallel corpus from ``{language: segments}``, aligned by position.

        >>> sorted(Corpus.aligned("p", {"eng": ["hi"], "deu": ["hallo"]}).parts)
        ['deu', 'eng']
        """
        return cls(name, {lang: Texts(list(segs), lang, source=f"{name}/{lang}") for lang, segs in languages.items()},
                   parallel=True)

    @property
    def n_segments(self) -> int:
        return sum(len(t) for t in self.parts.values())

    def select(self, languages: Optional[Iterable[str]] = None, max_segments: Optional[int] = None) -> "Corpus":
        """A copy restricted to some languages and to at most ``max_segments`` per language,
        taken evenly over the corpus (deterministic). For a positionally aligned corpus the same
        positions are kept in every language, so alignment survives."""
        parts = dict(self.parts)
        if languages is not None:
            wanted = list(languages)
            parts = {k: v for k, v in parts.items() if k in wanted}
        if max_segments is not None:
            parts = {k: _spread(v, max_segments) for k, v in parts.items()}
        return Corpus(self.name, parts, self.parallel, self.source, list(self.issues), self.keyed)


def _spread(texts: Texts, n: int) -> Texts:
    if len(texts) <= n:
        return texts
    step = len(texts) / n
    return texts.take([int(i * step) for i in range(n)])


# --------------------------------------------------------------------------- files


def _open_bytes(path: Path) -> bytes:
    if not path.exists():
        raise FileNotFoundError(2, "No such file or directory", str(path))
    data = path.read_bytes()
    return lzma.decompress(data) if path.suffix == ".xz" else data


def _decode_lines(data: bytes, path: str, issues: list[Issue], corpus: str) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line, line ending removed; a non-UTF-8 line is an issue."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for no, raw in enumerate(lines, 1):
        try:
            yield no, raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as e:
            issues.append(Issue("error", f"not valid UTF-8 (byte {e.start + 1}); line skipped", f"{path}:{no}",
                                corpus=corpus))


def read_text(path: PathLike, *, name: Optional[str] = None, language: Optional[str] = None,
              skip_empty: bool = True) -> Corpus:
    """A text file (optionally ``.xz``), one segment per line."""
    p = Path(path)
    name = name or p.name
    issues: list[Issue] = []
    texts, origins = [], []
    for no, line in _decode_lines(_open_bytes(p), str(p), issues, name):
        if skip_empty and not line.strip():
            continue
        texts.append(line)
        origins.append((str(p), no))
    part = Texts(texts, language, origins=origins, source=str(p))
    return Corpus(name, {language or "": part}, source=str(p), issues=issues)


def read_jsonl(path: PathLike, field: str = "text", *, name: Optional[str] = None,
               language: Optional[str] = None, language_field: Optional[str] = None) -> Corpus:
    """JSON Lines, the string ``field`` of each record; records may name their language in
    ``language_field`` (one part per language, not aligned)."""
    p = Path(path)
    name = name or f"{p.name}:{field}"
    issues: list[Issue] = []
    parts: dict[str, Texts] = {}
    for no, line in _decode_lines(_open_bytes(p), str(p), issues, name):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            issues.append(Issue("error", f"not valid JSON ({e.msg}); record skipped", f"{p}:{no}", corpus=name))
            continue
        value = record.get(field) if isinstance(record, dict) else None
        if not isinstance(value, str):
            issues.append(Issue("error", f"no string field {field!r}; record skipped", f"{p}:{no}", corpus=name))
            continue
        lang = str(record.get(language_field, "")) if language_field and isinstance(record, dict) else (language or "")
        part = parts.setdefault(lang, Texts([], lang or None, origins=[], source=str(p)))
        part.texts.append(value)
        part.origins.append((str(p), no))
    return Corpus(name, parts, source=str(p), issues=issues)


# --------------------------------------------------------------------------- parallel folders

_NTREX_NAME = re.compile(r"(?:^|[./])(?:newstest\d+-(?:src|ref)\.)?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\.txt$")


def _language_of_file(name: str) -> Optional[str]:
    """The language code in an NTREX-style file name, None for files to leave out.

    >>> _language_of_file("newstest2019-ref.zho-CN.txt"), _language_of_file("deu.txt")
    ('zho-CN', 'deu')
    >>> _language_of_file("newstest2019-ref-2.spa.txt") is None
    True
    """
    base = name.rsplit("/", 1)[-1]
    if "ref-2" in base:  # NTREX's second Spanish reference: not a language of its own
        return None
    match = _NTREX_NAME.search(base)
    return match.group(1) if match else None


def _parallel_files(path: Path) -> list[tuple[str, bytes]]:
    if path.is_dir():
        return [(str(f), f.read_bytes()) for f in sorted(path.rglob("*.txt"))]
    if not path.exists():
        raise FileNotFoundError(2, "No such file or directory", str(path))
    if path.name.endswith((".tar.xz", ".tar.gz", ".tar", ".tgz")):
        # Streamed: random access into an xz tar decompresses from the start for every member.
        with tarfile.open(path, mode="r|*") as tar:
            files = [(f"{path}/{m.name}", tar.extractfile(m).read()) for m in tar if m.isfile() and m.name.endswith(".txt")]
        return sorted(files)
    raise InputTypeError(f"{path}: expected a folder of <lang>.txt files or a .tar.xz of them")


def read_parallel_folder(path: PathLike, *, name: Optional[str] = None, reference: str = "eng") -> Corpus:
    """Line-aligned translations in the NTREX-128 layout: one ``[prefix.]<lang>.txt`` per language
    (``newstest2019-src.eng.txt``, ``newstest2019-ref.deu.txt``, ...), in a folder or a tar.

    A file whose line count differs from the ``reference`` language's is kept for the
    per-language metrics but reported as misaligned (with its file and last line), and left out
    of premiums and parity.
    """
    p = Path(path)
    name = name or p.name.split(".")[0]
    issues: list[Issue] = []
    parts: dict[str, Texts] = {}
    for fname, data in _parallel_files(p):
        lang = _language_of_file(fname)
        if lang is None:
            continue
        if lang in parts:
            issues.append(Issue("warning", f"a second file for language {lang!r}; ignored", fname, corpus=name))
            continue
        texts, origins = [], []
        for no, line in _decode_lines(data, fname, issues, name):
            texts.append(line)
            origins.append((fname, no))
        parts[lang] = Texts(texts, lang, origins=origins, source=fname)
    if not parts:
        issues.append(Issue("error", "no <lang>.txt files found", str(p), corpus=name))
    return Corpus(name, parts, parallel=True, source=str(p), issues=issues)


def _read_tsv(path: Path) -> list[list[str]]:
    text = _open_bytes(path).decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))


def read_udhr(path: PathLike, *, name: str = "udhr", languages: Optional[PathLike] = None) -> Corpus:
    """UDHR articles (``key, article, text`` TSV), aligned by article number.

    Each translation is labelled by its BCP 47 code from ``udhr_languages.tsv`` (beside the
    file unless given); a second translation into the same language gets ``#<key>`` appended.
    """
    p = Path(path)
    meta_path = Path(languages) if languages else p.with_name("udhr_languages.tsv")
    codes: dict[str, str] = {}
    if meta_path.exists():
        rows = _read_tsv(meta_path)
        header = rows[0]
        for row in rows[1:]:
            rec = dict(zip(header, row))
            codes[rec["key"]] = rec.get("bcp47") or rec.get("iso639_3") or rec["key"]
    parts: dict[str, Texts] = {}
    label_of: dict[str, str] = {}
    rows = _read_tsv(p)
    for no, row in enumerate(rows[1:], 2):
        key, article, text = row[0], row[1], row[2]
        label = label_of.get(key)
        if label is None:
            label = codes.get(key, key)
            if label in parts:
                label = f"{label}#{key}"
            label_of[key] = label
        part = parts.setdefault(label, Texts([], label, keys=[], origins=[], source=str(p)))
        part.texts.append(text)
        part.keys.append(int(article))
        part.origins.append((str(p), no))
    return Corpus(name, parts, parallel=True, source=str(p), keyed=True)


def read_pud(path: PathLike, *, name: str = "ud-pud", conllu: Optional[PathLike] = None) -> Corpus:
    """UD PUD's wide TSV (``sent_id, ar, cs, ...``), aligned by sentence id.

    Gold words are attached from the CoNLL-U files (a folder or ``pud_conllu_20lang.tar.xz``
    beside the TSV, unless given): the surface tokens (multiword tokens as written), without
    punctuation, so that fertility works for Japanese, Chinese and Thai too.
    """
    p = Path(path)
    rows = _read_tsv(p)
    header = rows[0]
    parts: dict[str, Texts] = {}
    for col, lang in enumerate(header[1:], 1):
        parts[lang] = Texts([r[col] for r in rows[1:]], lang, keys=[r[0] for r in rows[1:]],
                            origins=[(str(p), no) for no in range(2, len(rows) + 1)], source=str(p))
    corpus = Corpus(name, parts, parallel=True, source=str(p), keyed=True)
    gold = Path(conllu) if conllu else p.with_name("pud_conllu_20lang.tar.xz")
    if gold.exists():
        words = read_conllu_words(gold)
        for lang, part in parts.items():
            by_id = words.get(lang, {})
            if all(k in by_id for k in part.keys):
                part.words = [by_id[k] for k in part.keys]
    return corpus


def read_conllu_words(path: PathLike) -> dict[str, dict[str, list[str]]]:
    """``{language: {sent_id: surface words}}`` from CoNLL-U files (``<lang>_*.conllu``) in a
    folder or tar. Multiword tokens count once, as written; PUNCT tokens are left out."""
    p = Path(path)
    if p.is_dir():
        files = [(f.name, f.read_bytes()) for f in sorted(p.glob("*.conllu"))]
    else:
        with tarfile.open(p, mode="r|*") as tar:
            files = [(m.name, tar.extractfile(m).read()) for m in tar if m.isfile() and m.name.endswith(".conllu")]
    out: dict[str, dict[str, list[str]]] = {}
    for fname, data in files:
        lang = fname.rsplit("/", 1)[-1].split("_", 1)[0]
        sents = out.setdefault(lang, {})
        sent_id, words, skip_to = None, [], 0
        for line in data.decode("utf-8").split("\n"):
            if line.startswith("# sent_id = "):
                sent_id, words, skip_to = line[len("# sent_id = "):].strip(), [], 0
            elif not line.strip():
                if sent_id is not None:
                    sents[sent_id] = words
                sent_id = None
            elif not line.startswith("#"):
                cols = line.split("\t")
                if len(cols) < 4 or "." in cols[0]:
                    continue
                if "-" in cols[0]:
                    skip_to = int(cols[0].split("-")[1])
                    words.append(cols[1])
                elif int(cols[0]) > skip_to and cols[3] != "PUNCT":
                    words.append(cols[1])
        if sent_id is not None:
            sents[sent_id] = words
    return out


# --------------------------------------------------------------------------- gettext catalogues


@dataclass
class PoEntry:
    """One catalogue entry: context, source strings, translations, flags, and its first line."""

    msgctxt: Optional[str]
    msgid: str
    msgid_plural: Optional[str]
    msgstr: list[str]
    fuzzy: bool
    line: int


_PO_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _po_unescape(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: _PO_ESCAPES.get(m.group(1), m.group(1)), s)


def parse_po(text: str, *, path: str = "<po>", issues: Optional[list[Issue]] = None) -> list[PoEntry]:
    """Entries of a gettext ``.po`` catalogue (obsolete ``#~`` entries are dropped).

    >>> e = parse_po('#, fuzzy\\nmsgid "a"\\nmsgstr ""\\n"b\\\\n"\\n\\nmsgid "x"\\nmsgid_plural "xs"\\nmsgstr[0] "y"\\nmsgstr[1] "ys"\\n')
    >>> [(x.msgid, x.msgstr, x.fuzzy) for x in e]
    [('a', ['b\\n'], True), ('x', ['y', 'ys'], False)]
    """
    entries: list[PoEntry] = []
    issues = issues if issues is not None else []
    cur: dict = {}
    target: Optional[tuple] = None
    fuzzy = False
    start = 0

    def flush() -> None:
        nonlocal cur, fuzzy, target
        if "msgid" in cur:
            strs = [cur["msgstr"][k] for k in sorted(cur.get("msgstr", {}))]
            entries.append(PoEntry(cur.get("msgctxt"), cur["msgid"], cur.get("msgid_plural"), strs, fuzzy, start))
        cur, fuzzy, target = {}, False, None

    for no, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#"):
            if "msgid" in cur and target is not None and target[0] == "msgstr":
                flush()
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None:
                issues.append(Issue("error", "string continuation outside an entry; skipped", f"{path}:{no}"))
                continue
            value = _po_value(line, path, no, issues)
            if target[0] == "msgstr":
                cur["msgstr"][target[1]] += value
            else:
                cur[target[0]] += value
            continue
        value = _po_value(rest.strip(), path, no, issues)
        if keyword in ("msgctxt", "msgid") and "msgid" in cur and keyword != "msgid_plural":
            if "msgstr" in cur or keyword == "msgctxt":
                flush()
        if keyword == "msgctxt":
            start = no
            cur["msgctxt"], target = value, ("msgctxt",)
        elif keyword == "msgid":
            if "msgctxt" not in cur:
                start = no
            cur["msgid"], target = value, ("msgid",)
        elif keyword == "msgid_plural":
            cur["msgid_plural"], target = value, ("msgid_plural",)
        elif keyword.startswith("msgstr"):
            index = 0
            if keyword != "msgstr":
                m = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if not m:
                    issues.append(Issue("error", f"unknown keyword {keyword!r}; line skipped", f"{path}:{no}"))
                    continue
                index = int(m.group(1))
            cur.setdefault("msgstr", {})[index] = value
            target = ("msgstr", index)
        else:
            issues.append(Issue("error", f"unknown keyword {keyword!r}; line skipped", f"{path}:{no}"))
    flush()
    return entries


def _po_value(s: str, path: str, no: int, issues: list[Issue]) -> str:
    m = _PO_STRING.fullmatch(s)
    if not m:
        issues.append(Issue("error", f"expected a quoted string, got {s[:40]!r}", f"{path}:{no}"))
        return ""
    return _po_unescape(m.group(1))


def read_po(files: Union[PathLike, Iterable[PathLike]], *, name: str = "po", source_language: str = "en",
            language_of=None) -> Corpus:
    """gettext catalogues as a parallel corpus aligned by ``(domain, msgctxt, msgid)``.

    ``files`` is a folder (searched for ``*/LC_MESSAGES/*.po``) or a list of ``.po`` files. The
    language of a file is the folder above ``LC_MESSAGES`` (or ``language_of(path)``). The source
    strings become the ``source_language`` part (``msgid``, and ``msgid_plural`` for the second
    plural form); each translated, non-fuzzy entry becomes a segment of its language. The header
    entry (empty msgid) is skipped.
    """
    paths = _po_files(files)
    issues: list[Issue] = []
    parts: dict[str, Texts] = {}
    source: dict[Hashable, tuple[str, tuple[str, int]]] = {}
    for path in paths:
        lang = language_of(path) if language_of else _po_language(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            issues.append(Issue("error", f"not UTF-8 (byte {e.start}); catalogue skipped", str(path), corpus=name))
            continue
        file_issues: list[Issue] = []
        entries = parse_po(text, path=str(path), issues=file_issues)
        issues += [Issue(i.level, i.message, i.where, corpus=name, language=lang) for i in file_issues]
        domain = path.stem
        part = parts.setdefault(lang, Texts([], lang, keys=[], origins=[], source=str(path)))
        for e in entries:
            if not e.msgid:
                continue
            forms = [(e.msgid, e.msgstr[0] if e.msgstr else "")]
            if e.msgid_plural is not None and len(e.msgstr) > 1:
                forms.append((e.msgid_plural, e.msgstr[1]))
            for k, (src, dst) in enumerate(forms):
                key = (domain, e.msgctxt or "", e.msgid, k)
                source.setdefault(key, (src, (str(path), e.line)))
                if dst and not e.fuzzy:
                    part.texts.append(dst)
                    part.keys.append(key)
                    part.origins.append((str(path), e.line))
    parts = {k: v for k, v in parts.items() if len(v) or k == source_language}
    keys = sorted(source, key=lambda k: (k[0], k[1], k[2], k[3]))
    parts[source_language] = Texts([source[k][0] for k in keys], source_language, keys=keys,
                                   origins=[source[k][1] for k in keys], source="msgid")
    return Corpus(name, dict(sorted(parts.items())), parallel=True, source=str(files) if isinstance(files, (str, os.PathLike)) else name,
                  issues=issues, keyed=True)


def _po_files(files) -> list[Path]:
    if isinstance(files, (str, os.PathLike)):
        p = Path(files)
        if p.is_dir():
            return sorted(p.rglob("LC_MESSAGES/*.po"))
        if not p.exists():
            raise FileNotFoundError(2, "No such file or directory", str(p))
        return [p]
    return [Path(f) for f in files]


def _po_language(path: Path) -> str:
    parts = path.parts
    if "LC_MESSAGES" in parts:
        return parts[parts.index("LC_MESSAGES") - 1]
    return path.stem


# --------------------------------------------------------------------------- embedded defaults


def django_catalogues(*, name: str = "django-po", domains: Optional[Sequence[str]] = None) -> Corpus:
    """The translation catalogues pip installs with Django (core and contrib apps), read in
    place from site-packages: the same UI strings in ~95 languages, aligned by msgid.

    Raises :class:`~tokensmith.errors.InputTypeError` when Django is not installed.
    """
    try:
        import django
    except ModuleNotFoundError:
        raise InputTypeError("the Django catalogues need Django: pip install django") from None
    root = Path(django.__file__).parent
    files = sorted(root.glob("conf/locale/*/LC_MESSAGES/*.po")) + sorted(root.glob("contrib/*/locale/*/LC_MESSAGES/*.po"))
    if domains is not None:
        files = [f for f in files if f.stem in domains]
    return read_po(files, name=name)


def stdlib_source(*, name: str = "python-stdlib", max_bytes: int = 2_000_000) -> Corpus:
    """Python source of the running interpreter's standard library, one segment per file, taken
    in sorted path order up to ``max_bytes`` (tests and site-packages excluded)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    texts, origins, total = [], [], 0
    for f in sorted(root.rglob("*.py")):
        rel = f.relative_to(root).parts
        if rel[0] in ("site-packages", "test", "idlelib", "lib2to3") or "tests" in rel:
            continue
        try:
            text = f.read_bytes().decode("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        texts.append(text)
        origins.append((str(f), 1))
        total += len(text.encode("utf-8"))
        if total >= max_bytes:
            break
    return Corpus(name, {"": Texts(texts, None, origins=origins, source=str(root))}, source=str(root))


# --------------------------------------------------------------------------- specs

SPEC_HELP = """\
corpus SPEC forms (prefix with NAME= to label it):
  PATH.txt[.xz]            one segment per line
  PATH.jsonl[:FIELD]       the FIELD of each JSON record (default: text)
  ntrex:PATH               NTREX-128 layout, a folder or .tar.xz of <lang>.txt files, line-aligned
  udhr:PATH                udhr_articles.tsv[.xz], aligned by article
  pud:PATH                 pud_parallel.tsv[.xz], aligned by sentence id (gold words from CoNLL-U beside it)
  po:PATH                  gettext catalogues (folder with */LC_MESSAGES/*.po), aligned by msgid
  django                   the .po catalogues installed with Django (~95 languages)
  stdlib                   the Python standard library's source (code)"""


def from_spec(spec: str) -> Corpus:
    """A corpus from a command-line spec (see :data:`SPEC_HELP`).

    >>> from_spec("django").parallel
    True
    """
    name = None
    m = re.match(r"^([\w.-]+)=(.+)$", spec)
    if m and not os.path.exists(spec):
        name, spec = m.group(1), m.group(2)
    kind, _, rest = spec.partition(":")
    if kind == "django" and not rest:
        corpus = django_catalogues()
    elif kind == "stdlib" and not rest:
        corpus = stdlib_source()
    elif kind in ("ntrex", "ntrex128", "parallel") and rest:
        corpus = read_parallel_folder(rest)
    elif kind == "udhr" and rest:
        corpus = read_udhr(rest)
    elif kind == "pud" and rest:
        corpus = read_pud(rest)
    elif kind == "po" and rest:
        corpus = read_po(rest, name=Path(rest).name)
    elif kind in ("text", "txt") and rest:
        corpus = read_text(rest)
    elif kind == "jsonl" and rest:
        path, _, fld = rest.partition(":")
        corpus = read_jsonl(path, fld or "text")
    else:
        corpus = _guess(spec)
    if name:
        corpus.name = name
    return corpus


def _guess(spec: str) -> Corpus:
    path, _, fld = spec.rpartition(":") if re.search(r"\.jsonl(\.xz)?:\w+$", spec) else (spec, "", "")
    p = Path(path)
    if p.name.endswith((".jsonl", ".jsonl.xz")):
        return read_jsonl(p, fld or "text")
    if p.is_dir():
        if any(p.rglob("LC_MESSAGES/*.po")):
            return read_po(p, name=p.name)
        return read_parallel_folder(p)
    if p.name.endswith(".tar.xz"):
        return read_parallel_folder(p)
    if p.exists():
        return read_text(p)
    raise InputTypeError(f"corpus {spec!r}: no such file or folder, and not a known corpus kind.\n{SPEC_HELP}")
