"""Language and script metadata for labels: names, ISO 15924 scripts, and which scripts write words
without spaces.

Corpora name their languages in several code systems: NTREX-128 uses ISO 639-3 with a region or
script suffix (``zho-CN``, ``srp-Cyrl``), UD PUD ISO 639-1 (``zh``), gettext catalogues POSIX
locales (``pt_BR``, ``sr_Latn``, ``zh_Hans``). :func:`describe` accepts all of them. A code that
is not in the table is still usable: its script is then read from the text itself
(:func:`detect_script`), and the evaluation reports the unknown code instead of failing.

The word-split rule of the fertility metrics depends on the script: whitespace splitting is
meaningless for Chinese, Japanese, Thai, Lao, Khmer, Myanmar and Tibetan, which do not separate
words with spaces (:data:`UNSPACED_SCRIPTS`).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

#: Scripts written without spaces between words (ISO 15924).
UNSPACED_SCRIPTS = frozenset({"Hani", "Hans", "Hant", "Jpan", "Hira", "Kana", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"})

# ISO 639-3 | ISO 639-1 | English name | usual script. One line per language.
_TABLE = """\
afr|af|Afrikaans|Latn
amh|am|Amharic|Ethi
ara|ar|Arabic|Arab
arb||Arabic|Arab
ast||Asturian|Latn
aze|az|Azerbaijani|Latn
bak|ba|Bashkir|Cyrl
bel|be|Belarusian|Cyrl
bem||Bemba|Latn
ben|bn|Bengali|Beng
bod|bo|Tibetan|Tibt
bos|bs|Bosnian|Latn
bre|br|Breton|Latn
bul|bg|Bulgarian|Cyrl
cat|ca|Catalan|Latn
ces|cs|Czech|Latn
ckb||Central Kurdish|Arab
cym|cy|Welsh|Latn
dan|da|Danish|Latn
deu|de|German|Latn
div|dv|Divehi|Thaa
dsb||Lower Sorbian|Latn
dzo|dz|Dzongkha|Tibt
ell|el|Greek|Grek
eng|en|English|Latn
epo|eo|Esperanto|Latn
est|et|Estonian|Latn
eus|eu|Basque|Latn
ewe|ee|Ewe|Latn
fao|fo|Faroese|Latn
fas|fa|Persian|Arab
fij|fj|Fijian|Latn
fil||Filipino|Latn
fin|fi|Finnish|Latn
fra|fr|French|Latn
fry|fy|Western Frisian|Latn
fuc||Pulaar|Latn
gla|gd|Scottish Gaelic|Latn
gle|ga|Irish|Latn
glg|gl|Galician|Latn
gsw||Swiss German|Latn
guj|gu|Gujarati|Gujr
hau|ha|Hausa|Latn
heb|he|Hebrew|Hebr
hin|hi|Hindi|Deva
hmn||Hmong|Latn
hrv|hr|Croatian|Latn
hsb||Upper Sorbian|Latn
hun|hu|Hungarian|Latn
hye|hy|Armenian|Armn
ibo|ig|Igbo|Latn
ido|io|Ido|Latn
ina|ia|Interlingua|Latn
ind|id|Indonesian|Latn
isl|is|Icelandic|Latn
ita|it|Italian|Latn
jpn|ja|Japanese|Jpan
kab||Kabyle|Latn
kan|kn|Kannada|Knda
kat|ka|Georgian|Geor
kaz|kk|Kazakh|Cyrl
khm|km|Khmer|Khmr
kin|rw|Kinyarwanda|Latn
kir|ky|Kyrgyz|Cyrl
kmr||Northern Kurdish|Latn
kor|ko|Korean|Hang
lao|lo|Lao|Laoo
lat|la|Latin|Latn
lav|lv|Latvian|Latn
lit|lt|Lithuanian|Latn
ltz|lb|Luxembourgish|Latn
mal|ml|Malayalam|Mlym
mar|mr|Marathi|Deva
mey||Hassaniyya|Arab
mkd|mk|Macedonian|Cyrl
mlg|mg|Malagasy|Latn
mlt|mt|Maltese|Latn
mon|mn|Mongolian|Cyrl
mri|mi|Maori|Latn
msa|ms|Malay|Latn
mya|my|Burmese|Mymr
nde|nd|North Ndebele|Latn
nep|ne|Nepali|Deva
nld|nl|Dutch|Latn
nno|nn|Norwegian Nynorsk|Latn
nob|nb|Norwegian Bokmål|Latn
nso||Northern Sotho|Latn
nya|ny|Chichewa|Latn
orm|om|Oromo|Latn
oss|os|Ossetian|Cyrl
pan|pa|Punjabi|Guru
pol|pl|Polish|Latn
por|pt|Portuguese|Latn
prs||Dari|Arab
pus|ps|Pashto|Arab
ron|ro|Romanian|Latn
rus|ru|Russian|Cyrl
shi||Tachelhit|Arab
sin|si|Sinhala|Sinh
slk|sk|Slovak|Latn
slv|sl|Slovenian|Latn
smo|sm|Samoan|Latn
sna|sn|Shona|Latn
snd|sd|Sindhi|Arab
som|so|Somali|Latn
spa|es|Spanish|Latn
sqi|sq|Albanian|Latn
srp|sr|Serbian|Cyrl
ssw|ss|Swati|Latn
swa|sw|Swahili|Latn
swe|sv|Swedish|Latn
tah|ty|Tahitian|Latn
tam|ta|Tamil|Taml
tat|tt|Tatar|Cyrl
tel|te|Telugu|Telu
tgk|tg|Tajik|Cyrl
tha|th|Thai|Thai
tir|ti|Tigrinya|Ethi
tuk|tk|Turkmen|Latn
ton|to|Tongan|Latn
tsn|tn|Tswana|Latn
tur|tr|Turkish|Latn
udm||Udmurt|Cyrl
uig|ug|Uyghur|Arab
ukr|uk|Ukrainian|Cyrl
urd|ur|Urdu|Arab
uzb|uz|Uzbek|Latn
ven|ve|Venda|Latn
vie|vi|Vietnamese|Latn
wol|wo|Wolof|Latn
xho|xh|Xhosa|Latn
yor|yo|Yoruba|Latn
yue||Cantonese|Hant
zho|zh|Chinese|Hani
zul|zu|Zulu|Latn
"""

_REGION_SCRIPT = {("zho", "CN"): "Hans", ("zho", "TW"): "Hant", ("zho", "HK"): "Hant", ("zho", "SG"): "Hans"}
_SCRIPT_NAMES = {
    "LATIN": "Latn", "CYRILLIC": "Cyrl", "GREEK": "Grek", "ARABIC": "Arab", "HEBREW": "Hebr",
    "DEVANAGARI": "Deva", "BENGALI": "Beng", "GURMUKHI": "Guru", "GUJARATI": "Gujr", "ORIYA": "Orya",
    "TAMIL": "Taml", "TELUGU": "Telu", "KANNADA": "Knda", "MALAYALAM": "Mlym", "SINHALA": "Sinh",
    "THAI": "Thai", "LAO": "Laoo", "TIBETAN": "Tibt", "MYANMAR": "Mymr", "GEORGIAN": "Geor",
    "ARMENIAN": "Armn", "ETHIOPIC": "Ethi", "KHMER": "Khmr", "HANGUL": "Hang", "HIRAGANA": "Hira",
    "KATAKANA": "Kana", "CJK": "Hani", "THAANA": "Thaa", "TIFINAGH": "Tfng", "MONGOLIAN": "Mong",
    "CHEROKEE": "Cher", "SYRIAC": "Syrc", "NKO": "Nkoo", "ADLAM": "Adlm", "VAI": "Vaii", "YI": "Yiii",
    "JAVANESE": "Java", "BALINESE": "Bali", "CANADIAN": "Cans", "OL": "Olck",
}


@dataclass(frozen=True)
class Language:
    """What a language code means: the code as given, its ISO 639-3 base, name and script.

    ``known`` is False when the base code is not in the table; ``script`` is then None unless
    the code itself carries one (``xxx-Latn``).
    """

    code: str
    iso639_3: Optional[str]
    name: str
    script: Optional[str]
    known: bool

    @property
    def label(self) -> str:
        """``"Chinese (Simplified) [zho-CN]"``-style label for tables and figures."""
        return f"{self.name} [{self.code}]"

    @property
    def unspaced(self) -> bool:
        return self.script in UNSPACED_SCRIPTS


@lru_cache(maxsize=1)
def _tables() -> tuple[dict, dict]:
    by3, by1 = {}, {}
    for line in _TABLE.splitlines():
        code3, code1, name, script = line.split("|")
        by3[code3] = (name, script)
        if code1:
            by1[code1] = code3
    return by3, by1


_CODE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]+))?(?:[-_]([A-Za-z0-9]+))?$")


def describe(code: str) -> Language:
    """Metadata of a language code in ISO 639-1/-3, BCP 47 or POSIX-locale form.

    >>> describe("zho-CN").script, describe("pt_BR").name, describe("sr_Latn").script
    ('Hans', 'Portuguese (BR)', 'Latn')
    >>> describe("xyz").known, describe("eng").label
    (False, 'English [eng]')
    """
    by3, by1 = _tables()
    match = _CODE.match(code.strip())
    if not match:
        return Language(code, None, code, None, False)
    base = match.group(1).lower()
    base = by1.get(base, base)
    script = region = None
    for part in (match.group(2), match.group(3)):
        if part and len(part) == 4 and part.isalpha():
            script = part.title()
        elif part:
            region = part.upper()
    if base not in by3:
        return Language(code, base if len(base) == 3 else None, code, script, False)
    name, default_script = by3[base]
    if script is None:
        script = _REGION_SCRIPT.get((base, region or ""), default_script)
    qualifier = {"Hans": "Simplified", "Hant": "Traditional"}.get(script, None) if base == "zho" else None
    qualifier = qualifier or region or (script if script != default_script else None)
    return Language(code, base, f"{name} ({qualifier})" if qualifier else name, script, True)


def char_script(char: str) -> Optional[str]:
    """ISO 15924 code of a letter's script from its Unicode name; None for non-letters.

    >>> char_script("ж"), char_script("中"), char_script("ท"), char_script("1")
    ('Cyrl', 'Hani', 'Thai', None)
    """
    if not unicodedata.category(char).startswith(("L", "M")):
        return None
    name = unicodedata.name(char, "")
    return _SCRIPT_NAMES.get(name.split(" ", 1)[0]) if name else None


def detect_script(text: str, limit: int = 5000) -> Optional[str]:
    """The dominant script of ``text`` (Japanese kana with Han count as ``Jpan``).

    >>> detect_script("Hello world"), detect_script("日本語のテキストです"), detect_script("123")
    ('Latn', 'Jpan', None)
    """
    counts = Counter(s for s in map(char_script, text[:limit]) if s is not None)
    if not counts:
        return None
    if counts["Hira"] + counts["Kana"] > 0 and counts["Hira"] + counts["Kana"] + counts["Hani"] >= sum(counts.values()) / 2:
        return "Jpan"
    return counts.most_common(1)[0][0]
