"""Texts for the differential tests: real corpora from the shared data folder and an adversarial set.

Not a test module. Every function here is deterministic: the same data folder gives the same
texts in the same order, so a mismatch found once is found again.

Two kinds of source:

- Real corpora under ``<data>/corpora`` (see the data folder's ``MANIFEST.md``): NTREX-128, UDHR,
  UD PUD, Poe's *The Raven* in 251 languages, the monolingual files and the nltk zips, plus the
  running interpreter's standard library source as the code corpus. They are decompressed once
  per test session (``functools.lru_cache``) and sampled by :func:`samples` so the suite stays
  fast while every language and every file family is still represented. Set
  ``TOKENSMITH_TEST_FULL=1`` to run the differential tests on every line instead.
- :func:`adversarial`: generated inputs aimed at the pre-tokenizer and the merge loop (every
  code point, combining marks, ZWJ emoji, whitespace mixes, digit runs, contractions, very long
  runs, mixed scripts, the empty string).

Files are decoded from bytes, never opened in text mode: universal newlines would turn the
``\\r\\n`` of botchan.txt into ``\\n`` and hide exactly the cases that matter.

Each sampled item is a ``(label, text)`` pair; the label says where the text comes from so a
failure report can point at it.
"""
from __future__ import annotations

import csv
import io
import itertools
import lzma
import os
import random
import sysconfig
import tarfile
import zipfile
from functools import lru_cache
from pathlib import Path

Sample = tuple[str, str]

#: Names accepted by :func:`samples`, in the order the tests parametrize them.
CORPUS_NAMES = ("ntrex128", "udhr", "ud-pud", "poe-mt", "monolingual", "nltk", "stdlib", "adversarial")


def full_run() -> bool:
    """True when ``TOKENSMITH_TEST_FULL=1``: use every line of every corpus, no sampling."""
    return os.environ.get("TOKENSMITH_TEST_FULL", "") == "1"


def _decode(raw: bytes) -> str:
    # A few nltk files (genesis in Finnish/French/German/Swedish, some speeches) are Latin-1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _every(items, keep: int, phase: int = 0):
    """Deterministic systematic sample: about ``keep`` items spread evenly, starting at ``phase``."""
    items = list(items)
    if full_run() or len(items) <= keep:
        return items
    step = len(items) / keep
    return [items[int(phase % max(1, int(step)) + i * step) % len(items)] for i in range(keep)]


# --------------------------------------------------------------------------- raw corpora


def _tar_files(path: Path) -> list[tuple[str, bytes]]:
    """``(member name, bytes)`` of every regular file, sorted by name.

    Read as a stream (``r|xz``): random access into an xz tar decompresses from the start
    again for every member, which turns a one-second read into a minute.
    """
    with tarfile.open(path, mode="r|xz") as tar:
        files = [(m.name, tar.extractfile(m).read()) for m in tar if m.isfile()]
    return sorted(files)


@lru_cache(maxsize=None)
def ntrex128(root: Path) -> dict[str, tuple[str, ...]]:
    """NTREX-128: ``{language file stem: 1,997 lines}`` for the English source and 128+ references."""
    out: dict[str, tuple[str, ...]] = {}
    path = root / "corpora" / "ntrex128" / "ntrex128_newstest2019_128lang.tar.xz"
    for name, raw in _tar_files(path):
        if name.endswith(".txt"):
            stem = name.rsplit("/", 1)[-1][: -len(".txt")].replace("newstest2019-", "")
            out[stem] = tuple(_decode(raw).split("\n"))
    return out


@lru_cache(maxsize=None)
def udhr_articles(root: Path) -> tuple[tuple[str, int, str], ...]:
    """UDHR: ``(translation key, article number, text)`` rows, article 0 being the preamble."""
    raw = lzma.open(root / "corpora" / "udhr" / "udhr_articles.tsv.xz").read()
    reader = csv.reader(io.StringIO(_decode(raw), newline=""), delimiter="\t")
    next(reader)
    return tuple((key, int(article), text) for key, article, text in reader)


@lru_cache(maxsize=None)
def pud_parallel(root: Path) -> dict[str, tuple[str, ...]]:
    """UD PUD: ``{language code: the same 1,000 sentences}`` for 20 languages."""
    raw = lzma.open(root / "corpora" / "ud-pud" / "pud_parallel.tsv.xz").read()
    reader = csv.reader(io.StringIO(_decode(raw), newline=""), delimiter="\t")
    header = next(reader)
    rows = list(reader)
    return {lang: tuple(row[i] for row in rows) for i, lang in enumerate(header) if i > 0}


@lru_cache(maxsize=None)
def poe_mt(root: Path) -> dict[str, dict[str, str]]:
    """Poe's *The Raven*, machine-translated: ``{language: {file name: text}}`` for 251 languages."""
    out: dict[str, dict[str, str]] = {}
    path = root / "corpora" / "poe-mt" / "poe17192_txt_251lang.tar.xz"
    for member, raw in _tar_files(path):
        *_, lang, name = member.split("/")
        out.setdefault(lang, {})[name] = _decode(raw)
    return out


@lru_cache(maxsize=None)
def monolingual(root: Path) -> dict[str, str]:
    """The monolingual files (botchan, wagahaiwa_nekodearu, tinyshakespeare, ...), bytes-exact."""
    folder = root / "corpora" / "monolingual"
    return {p.name: _decode(p.read_bytes()) for p in sorted(folder.glob("*.txt"))}


@lru_cache(maxsize=None)
def nltk_corpora(root: Path) -> dict[str, str]:
    """nltk_data corpora (genesis, inaugural, state_union, panlex_swadesh): ``{zip/member: text}``."""
    out: dict[str, str] = {}
    for path in sorted((root / "corpora" / "nltk").glob("*.zip")):
        with zipfile.ZipFile(path) as zf:
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                if not info.is_dir():
                    out[info.filename] = _decode(zf.read(info))
    return out


@lru_cache(maxsize=None)
def stdlib_sources(max_chars: int = 400_000, max_file_chars: int = 8_000) -> tuple[Sample, ...]:
    """A deterministic sample of the running interpreter's standard library ``.py`` files.

    Files are visited in sorted path order and taken with an even stride until ``max_chars``
    are collected (each cut at ``max_file_chars``); files that are not UTF-8 (a few test
    fixtures are deliberately broken) are skipped. ``TOKENSMITH_TEST_FULL=1`` lifts both caps.
    """
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts and "dist-packages" not in p.parts
    )
    if full_run():
        max_chars, max_file_chars, stride = 1 << 62, 1 << 62, 1
    else:
        stride = max(1, len(files) * max_file_chars // (2 * max_chars))
    out: list[Sample] = []
    total = 0
    for p in files[::stride]:
        try:
            text = p.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        text = text[:max_file_chars]
        out.append((f"stdlib/{p.relative_to(stdlib).as_posix()}", text))
        total += len(text)
        if total >= max_chars:
            break
    return tuple(out)


# --------------------------------------------------------------------------- sampled views


def _ntrex_samples(root: Path) -> list[Sample]:
    out: list[Sample] = []
    for i, (lang, lines) in enumerate(ntrex128(root).items()):
        lines = [ln for ln in lines if ln]
        picked = _every(range(len(lines)), 40, phase=i)
        out += [(f"ntrex128/{lang} line {j + 1}", lines[j]) for j in picked]
        # One multi-line document per language: line breaks between sentences matter to the
        # whitespace rules of every pattern.
        start = (i * 37) % max(1, len(lines) - 12)
        out.append((f"ntrex128/{lang} lines {start + 1}-{start + 12}", "\n".join(lines[start : start + 12]) + "\n"))
    return out


def _udhr_samples(root: Path) -> list[Sample]:
    by_key: dict[str, list[tuple[int, str]]] = {}
    for key, article, text in udhr_articles(root):
        by_key.setdefault(key, []).append((article, text))
    out: list[Sample] = []
    for i, (key, articles) in enumerate(by_key.items()):
        for article, text in _every(articles, 2, phase=i):
            out.append((f"udhr/{key} article {article}", text))
    return out


def _pud_samples(root: Path) -> list[Sample]:
    out: list[Sample] = []
    for i, (lang, sents) in enumerate(pud_parallel(root).items()):
        out += [(f"ud-pud/{lang} sentence {j + 1}", sents[j]) for j in _every(range(len(sents)), 50, phase=i)]
    return out


def _poe_samples(root: Path) -> list[Sample]:
    out: list[Sample] = []
    for i, (lang, files) in enumerate(poe_mt(root).items()):
        for name, text in files.items():
            paragraphs = text.split("\n\n")
            keep = len(paragraphs) if name.endswith("-1.htm.txt") else 6
            # Keep paragraph groups whole (with their blank lines): they carry the poem's layout.
            for j in _every(range(0, len(paragraphs), 4), max(1, keep // 4), phase=i):
                out.append((f"poe-mt/{lang}/{name} paragraphs {j + 1}-{j + 4}", "\n\n".join(paragraphs[j : j + 4])))
    return out


def _chunks(label: str, text: str, size: int) -> list[Sample]:
    """Cut ``text`` into pieces of about ``size`` characters at line ends (line ends kept)."""
    out: list[Sample] = []
    lines = text.splitlines(keepends=True)
    buf: list[str] = []
    n = 0
    first = 1
    for no, line in enumerate(lines, 1):
        buf.append(line)
        n += len(line)
        if n >= size:
            out.append((f"{label} lines {first}-{no}", "".join(buf)))
            buf, n, first = [], 0, no + 1
    if buf:
        out.append((f"{label} lines {first}-{len(lines)}", "".join(buf)))
    return out


def _monolingual_samples(root: Path) -> list[Sample]:
    out: list[Sample] = []
    for i, (name, text) in enumerate(monolingual(root).items()):
        out += _every(_chunks(f"monolingual/{name}", text, 2_000), 30, phase=i)
    return out


def _nltk_samples(root: Path) -> list[Sample]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for member, text in nltk_corpora(root).items():
        groups.setdefault(member.split("/", 1)[0], []).append((member, text))
    out: list[Sample] = []
    for group, members in groups.items():
        # genesis: every language; panlex_swadesh: ~120 of the ~2,900 word lists (many scripts);
        # the speeches: a dozen each. Long files are cut into chunks and sampled.
        keep = {"genesis": 100, "panlex_swadesh": 120}.get(group, 12)
        for k, (member, text) in enumerate(_every(members, keep)):
            chunks = _chunks(f"nltk/{member}", text, 2_000)
            out += _every(chunks, 10 if group == "genesis" else 3, phase=k)
    return out


def _stdlib_samples(root: Path) -> list[Sample]:
    return list(stdlib_sources())


_SAMPLERS = {
    "ntrex128": _ntrex_samples,
    "udhr": _udhr_samples,
    "ud-pud": _pud_samples,
    "poe-mt": _poe_samples,
    "monolingual": _monolingual_samples,
    "nltk": _nltk_samples,
    "stdlib": _stdlib_samples,
    "adversarial": lambda root: list(adversarial()),
}


@lru_cache(maxsize=None)
def samples(name: str, root: Path) -> tuple[Sample, ...]:
    """The ``(label, text)`` items of corpus ``name`` (one of :data:`CORPUS_NAMES`)."""
    return tuple(_SAMPLERS[name](root))


def small_samples(root: Path, per_corpus: int = 150) -> tuple[Sample, ...]:
    """About ``per_corpus`` items of every corpus, evenly spread, for the slower per-text checks
    (offsets, decode, batch, persistence). Sampled even under ``TOKENSMITH_TEST_FULL``."""
    out: list[Sample] = []
    for name in CORPUS_NAMES:
        items = samples(name, root)
        if name == "adversarial":
            items = tuple(s for s in items if len(s[1]) <= 5_000)
        step = max(1, len(items) // per_corpus)
        out += items[::step][:per_corpus]
    return tuple(out)


# --------------------------------------------------------------------------- adversarial

#: Whitespace and near-whitespace characters whose classification differs between patterns.
WHITESPACE = (
    " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u1680",
    "\u180e", "\u2000", "\u2003", "\u2007", "\u200a", "\u200b", "\u2028", "\u2029", "\u202f",
    "\u205f", "\u3000", "\ufeff",
)
_CORE_WS = (" ", "\t", "\n", "\r", "\xa0", "\u3000", "\u2028", "\x85")
#: What follows a whitespace run: letter, capital, digit, punctuation, contraction, CJK, mark, end.
_FOLLOWERS = ("a", "A", "1", "!", "'s", "中", "\u0301", "🦙", "x y", "")
_CONTRACTIONS = ("s", "t", "re", "ve", "m", "ll", "d")
_APOSTROPHES = ("'", "\u2019", "\u2018", "\u02bc", "\uff07", "`")
_COMBINING = (
    "\u0300", "\u0301", "\u0308", "\u0327", "\u036f", "\u0483", "\u0591", "\u05b8", "\u064b",
    "\u0670", "\u093c", "\u094d", "\u0e31", "\u0e48", "\u1ab0", "\u1dc0", "\u20d0", "\u20e3",
    "\ufe0f", "\ufe20", "\U0001d165", "\U000e0100",
)
_EMOJI = (
    "😀", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "🇫🇷", "🇺🇸🇯🇵", "1️⃣", "#️⃣", "❤️", "🧑🏿\u200d🚀",
    "👩\u200d❤️\u200d💋\u200d👨", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "🦙", "✅", "😶\u200d🌫️",
)
_SCRIPTS = (
    "Hello", "WORLD", "naïve", "Straße", "ĲSSEL", "Привет", "ΑΒΓ", "αβγ", "שלום", "مرحبا", "سلام",
    "नमस्ते", "ਪੰਜਾਬੀ", "বাংলা", "தமிழ்", "తెలుగు", "ಕನ್ನಡ", "മലയാളം", "සිංහල", "ภาษาไทย", "ພາສາລາວ",
    "ភាសាខ្មែរ", "မြန်မာ", "བོད་ཡིག", "ދިވެހި", "አማርኛ", "ქართული", "Հայերեն", "中文", "日本語", "ひらがな",
    "カタカナ", "한국어", "각", "ꓐꓳ", "ᏣᎳᎩ", "ⵜⴰⵎⴰⵣⵉⵖⵜ", "𞤀𞤣𞤤𞤢𞤥", "ꕙꔤ", "ꆈꌠ", "ܣܘܪܝܝܐ", "𐌰𐌱",
    "ǅungla", "ᾈ", "ﬁle", "Ⅻ", "²³", "½", "٣٤", "१२३", "１２３", "ｆｕｌｌ", "𝐁𝐨𝐥𝐝", "😀", "ℌ",
)
_MIXED = (
    "Hello, y'all! How are you 😁 ?我想在apple工作1314151天～",
    "def f(x):\n\treturn x**2  # comment\r\n\n\n    pass\n",
    "https://example.com/a/b?c=1&d=2#frag user@example.org",
    '{"key": [1, 2.5, -3e10, null, true], "ü": "\\u00fc"}',
    "<html><body class=\"x\">Text&nbsp;here</body></html>",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('hi')\n```",
    "Москва2024год мира ΕΛΛΑΔΑ2 ελλάδα's",
    "ⅰⅱⅲ ⅠⅡⅢ ¹²³ ①②③ ⒈⒉ 𝟙𝟚𝟛",
    "The U.S.A. & the U.K.: 3.14159, 1,000,000; 10:30pm—'quoted'—“curly” ‘single’",
    "A\u0300\u0301\u0302 Z\u0338 e\u0301\u0302\u0303\u0304\u0305\u0306",
    "emoji🦙🦙🦙in words🚀",
    "C:\\Users\\name\\file.txt /usr/local/bin/python3.12 ~/.config",
    "tab\tseparated\tvalues\t\t\nline\x0bvertical\x0cform",
    "RTL: \u202eabc\u202c and \u200fمرحبا\u200e mixed",
    "<|endoftext|> <|fim_prefix|>code<|fim_suffix|> <|im_start|>user",
)


def _codepoint_chunks() -> list[Sample]:
    """Every code point except surrogates, in consecutive runs of 128 and in small contexts."""
    out: list[Sample] = []
    valid = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for i in range(0, len(valid), 128):
        run = valid[i : i + 128]
        out.append((f"code points U+{run[0]:04X}..U+{run[-1]:04X}", "".join(map(chr, run))))
    # Planes 0 and 1 and the tag/variation-selector block, one code point at a time, after a
    # letter, a space, a digit and an apostrophe and before a newline: every category boundary.
    ctx = [c for c in valid if c < 0x20000 or 0xE0000 <= c < 0xE0200]
    for i in range(0, len(ctx), 64):
        run = ctx[i : i + 64]
        text = "".join(f"a{chr(c)} {chr(c)}1{chr(c)}'{chr(c)}\n" for c in run)
        out.append((f"code points in context U+{run[0]:04X}..U+{run[-1]:04X}", text))
    return out


def _combining_cases() -> list[Sample]:
    out: list[Sample] = []
    bases = ("a", "A", "1", " ", "!", "中", "\n", "'", "")
    for k, mark in enumerate(_COMBINING):
        nxt = _COMBINING[(k + 7) % len(_COMBINING)]
        for base in bases:
            for n in (1, 2, 5):
                seq = base + (mark + nxt) * n
                out.append(("combining marks", seq))
                out.append(("combining marks", f"x {seq} y{seq}z"))
    zalgo = "".join(ch + "".join(_COMBINING[(i + j) % len(_COMBINING)] for j in range(i % 9)) for i, ch in enumerate("Zalgo text here 42"))
    out.append(("combining marks: zalgo", zalgo))
    return out


def _emoji_cases() -> list[Sample]:
    out: list[Sample] = [("emoji", e) for e in _EMOJI]
    for a, b in itertools.product(_EMOJI, repeat=2):
        out.append(("emoji pairs", a + b))
    for e in _EMOJI:
        out += [("emoji in text", f"Hi {e}!"), ("emoji in text", f"{e} {e}  {e}\n{e}"), ("emoji in text", f"word{e}word 12{e}34")]
    return out


def _whitespace_cases() -> list[Sample]:
    out: list[Sample] = []
    for ws in WHITESPACE:
        for follow in _FOLLOWERS:
            out.append(("whitespace", ws + follow))
            out.append(("whitespace", "x" + ws + follow))
    for a, b in itertools.product(WHITESPACE, repeat=2):
        out.append(("whitespace pairs", f"x{a}{b}y"))
        out.append(("whitespace pairs", f"{a}{b}"))
    for n in (1, 2, 3):
        for combo in itertools.product(_CORE_WS, repeat=n):
            run = "".join(combo)
            for follow in _FOLLOWERS:
                out.append(("whitespace runs", "w" + run + follow))
    for ws in (" ", "\t", "\n", " \n", "\n ", "\r\n", "\xa0", " \t", "\u3000", "\u2028 "):
        for n in (*range(1, 41), 64, 100, 257, 1000):
            for follow in ("a", "1", "!", "中", "'s", "\n", ""):
                out.append((f"whitespace run {ws!r}*{n}", "x" + ws * n + follow))
    return out


def _digit_cases() -> list[Sample]:
    out: list[Sample] = []
    digits = "1234567890"
    for n in range(1, 21):
        run = (digits * 3)[:n]
        for sep in ("", ",", ".", " ", "_", "-", "/", ":", "\xa0", "\u202f", "'"):
            grouped = run if not sep else sep.join(run[max(0, i - 3) : i] for i in range(len(run) % 3 or 3, len(run) + 1, 3))
            for before, after in (("", ""), (" ", ""), ("$", "."), ("abc", "def"), ("\n", " "), ("-", "%")):
                out.append((f"digits n={n} sep={sep!r}", before + grouped + after))
    for other in ("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳", "०१२३४५६७८९", "১২৩", "๑๒๓", "１２３４５", "²³⁴", "½¾", "ⅫⅣ", "𝟘𝟙𝟚𝟛", "①②③"):
        for n in (1, 2, 3, 4, 7):
            out.append(("non-ASCII digits", (other * 3)[:n]))
            out.append(("non-ASCII digits", "x " + (other * 3)[:n] + "1234"))
    return out


def _case_variants(s: str) -> list[str]:
    return ["".join(v) for v in itertools.product(*[(c.lower(), c.upper()) for c in s])]


def _contraction_cases() -> list[Sample]:
    out: list[Sample] = []
    for suffix in _CONTRACTIONS:
        for variant in _case_variants(suffix):
            for apo in _APOSTROPHES:
                c = apo + variant
                for ctx in ("I{c}", "{c}", " {c}", "{c}x", "x{c} y", "{c}{c}", "HE{c}", "1{c}", " {c} ", "{c}\n", "é{c}"):
                    out.append((f"contraction {c!r}", ctx.format(c=c)))
    for text in ("'", "''", "'''", " '", "' ", "'hello'", "hello'", "'\n", "\n'", "rock'n'roll", "don't", "DON'T",
                 "y'all'd've", "'s's", "'S", "''s", "' s", "’", "‘’", "’s", " ’S "):
        out.append(("apostrophes", text))
    return out


def _long_runs() -> list[Sample]:
    n = 100_000
    runs = {
        "a": "a" * n, "space": " " * n, "newline": "\n" * n, "digits": "1" * n, "digit cycle": ("0123456789" * n)[:n],
        "underscore": "_" * n, "CJK": "中" * n, "tab": "\t" * n, "crlf": "\r\n" * (n // 2), "ab": "ab" * (n // 2),
        "space a": " a" * (n // 2), "bang": "!" * n, "é": "é" * n, "llama": "🦙" * (n // 4),
        "apostrophe s": "'s" * (n // 2), "nbsp": "\xa0" * n, "mixed ws": " \t\n" * (n // 3),
        "thai": "ก" * n, "combining": "a" + "\u0301" * n,
    }
    return [(f"long run: {k}", v) for k, v in runs.items()]


def _mixed_cases() -> list[Sample]:
    out: list[Sample] = [("mixed", t) for t in _MIXED]
    out += [("scripts", s) for s in _SCRIPTS]
    for a, b in itertools.product(_SCRIPTS[:30], repeat=2):
        out.append(("script pairs", a + b))
        out.append(("script pairs", f"{a} {b}"))
    return out


def _fuzz(count: int = 3000, seed: int = 20240229) -> list[Sample]:
    """Seeded random strings over an alphabet weighted towards pattern boundaries."""
    rng = random.Random(seed)
    pieces = (
        list("abcXYZ019 _-.,!?'\"") + list(WHITESPACE) + list(_COMBINING) + list(_EMOJI)
        + ["'s", "'LL", "’re", "中文", "ß", "ǅ", "Ⅻ", "²", "١٢", "\u200d", "\U0010ffff", "\x00", "<|"]
    )
    out: list[Sample] = []
    for i in range(count):
        n = rng.choice((1, 2, 3, 5, 8, 13, 40, 200))
        out.append((f"fuzz #{i}", "".join(rng.choice(pieces) for _ in range(n))))
    return out


@lru_cache(maxsize=None)
def adversarial() -> tuple[Sample, ...]:
    """The adversarial set, deterministic, without lone surrogates (see :func:`lone_surrogate_texts`)."""
    out: list[Sample] = [("empty string", "")]
    for part in (_codepoint_chunks, _combining_cases, _emoji_cases, _whitespace_cases, _digit_cases,
                 _contraction_cases, _long_runs, _mixed_cases, _fuzz):
        out += part()
    return tuple(out)


def lone_surrogate_texts() -> tuple[Sample, ...]:
    """Strings holding unpaired surrogates: not valid Unicode scalar values, never valid UTF-8."""
    out: list[Sample] = []
    for cp in (0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xDABC):
        s = chr(cp)
        out += [(f"lone surrogate U+{cp:04X}", t) for t in (s, f"a{s}b", f" {s}", f"{s}{s}", f"hello {s}world 12{s}3")]
    out.append(("reversed surrogate pair", "\udc00\ud800"))
    return tuple(out)
