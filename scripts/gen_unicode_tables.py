"""Generate csrc/unicode/tables.h, the Unicode property table of the C++ pre-tokenizers.

The scanners in csrc/pretok/ need, for every code point, the classes that the split
patterns of tiktoken and HF tokenizers use: \\p{L}, \\p{N}, \\p{M}, \\s and the five
letter subcategories. They must classify exactly as the reference regex engines do, so
the data is pinned to the Unicode version those engines were measured to follow:

    Unicode 16.0.0 -- tiktoken 0.14 (Rust regex-syntax tables) and tokenizers 0.23
    (Oniguruma) both agree with it on every code point; tests/test_unicode_tables.py
    re-checks that against whichever versions are installed.

Requirements (offline, pip only):  unicodedata2==16.0.0 and regex (for `\\w`)
(the standard library's unicodedata is accepted instead when its unidata_version is
16.0.0, as in Python 3.14).

Usage:
    python scripts/gen_unicode_tables.py            # rewrite csrc/unicode/tables.h
    python scripts/gen_unicode_tables.py --check    # exit 1 if the file is stale

The output is deterministic: same Unicode data, same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

UNICODE_VERSION = "16.0.0"
OUTPUT = Path(__file__).resolve().parent.parent / "csrc" / "unicode" / "tables.h"
N_CODE_POINTS = 0x110000
BLOCK = 128  # code points per second-stage block; 128 gives the smallest table for 16.0

# Bit values shared with the C++ enum ts::unicode::Flag.
FLAG_BITS = {"L": 1, "N": 2, "M": 4, "WS": 8, "Lu": 16, "Ll": 32, "Lt": 64, "Lm": 128, "Lo": 256, "W": 512}
CATEGORY_FLAGS = {
    "Lu": FLAG_BITS["L"] | FLAG_BITS["Lu"],
    "Ll": FLAG_BITS["L"] | FLAG_BITS["Ll"],
    "Lt": FLAG_BITS["L"] | FLAG_BITS["Lt"],
    "Lm": FLAG_BITS["L"] | FLAG_BITS["Lm"],
    "Lo": FLAG_BITS["L"] | FLAG_BITS["Lo"],
    "Nd": FLAG_BITS["N"], "Nl": FLAG_BITS["N"], "No": FLAG_BITS["N"],
    "Mn": FLAG_BITS["M"], "Mc": FLAG_BITS["M"], "Me": FLAG_BITS["M"],
}

# Regex `\s` in both reference engines is the White_Space property (PropList.txt), not
# Python's str.isspace(): U+001C..U+001F are NOT included, U+0085 is, U+200B and U+180E
# are not. unicodedata has no White_Space accessor; the set has been unchanged since
# Unicode 6.3 (which dropped U+180E), and this is its 16.0.0 content.
WHITE_SPACE_RANGES = [
    (0x0009, 0x000D), (0x0020, 0x0020), (0x0085, 0x0085), (0x00A0, 0x00A0),
    (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F),
    (0x205F, 0x205F), (0x3000, 0x3000),
]


def load_unicodedata():
    """Return a unicodedata module of exactly UNICODE_VERSION, or exit with the way out."""
    try:
        import unicodedata2 as ucd
    except ImportError:
        import unicodedata as ucd
    if ucd.unidata_version != UNICODE_VERSION:
        sys.exit(f"need Unicode {UNICODE_VERSION} data, found {ucd.unidata_version} in "
                 f"{ucd.__name__}; run: pip install unicodedata2=={UNICODE_VERSION}")
    return ucd


def compute_flags(ucd) -> list[int]:
    """Flags of every code point 0..0x10FFFF; surrogates (category Cs) get 0."""
    import regex

    word = regex.compile(r"\w")
    flags = []
    for cp in range(N_CODE_POINTS):
        category = ucd.category(chr(cp))
        f = CATEGORY_FLAGS.get(category, 0)
        # Regex `\w` (HF's single_word test): Alphabetic, Mark, Decimal_Number,
        # Connector_Punctuation, Join_Control -- the regex module's tables, restricted to the
        # code points assigned in UNICODE_VERSION.
        if category not in ("Cn", "Cs") and word.match(chr(cp)):
            f |= FLAG_BITS["W"]
        flags.append(f)
    for first, last in WHITE_SPACE_RANGES:
        for cp in range(first, last + 1):
            flags[cp] |= FLAG_BITS["WS"]
    return flags


def build_stages(flags: list[int]) -> tuple[list[int], list[tuple[int, ...]]]:
    """Split flags into deduplicated blocks: stage1[cp / BLOCK] indexes stage2 blocks.

    Blocks are numbered in order of first appearance, so block 0 holds U+0000..U+007F
    and ASCII can be read straight from stage2. Trailing blocks that are all zero are
    dropped from stage1; the lookup bounds-checks against its length instead.
    """
    blocks = [tuple(flags[i:i + BLOCK]) for i in range(0, N_CODE_POINTS, BLOCK)]
    while blocks and not any(blocks[-1]):
        blocks.pop()
    ids: dict[tuple[int, ...], int] = {}
    stage1 = [ids.setdefault(block, len(ids)) for block in blocks]
    return stage1, list(ids)


def format_array(values: list[int], per_line: int, indent: str = "    ") -> str:
    lines = []
    for i in range(0, len(values), per_line):
        lines.append(indent + ", ".join(str(v) for v in values[i:i + per_line]) + ",")
    return "\n".join(lines)


def render(stage1: list[int], stage2: list[tuple[int, ...]]) -> str:
    index_type = "uint8_t" if len(stage2) <= 256 else "uint16_t"
    limit = len(stage1) * BLOCK
    stage2_text = "\n".join(
        f"    // block {i}\n" + format_array(list(block), 16) for i, block in enumerate(stage2))
    return f"""\
// GENERATED FILE -- do not edit. Regenerate with: python scripts/gen_unicode_tables.py
// Unicode {UNICODE_VERSION} (General_Category from unicodedata2=={UNICODE_VERSION},
// White_Space from PropList.txt), matching the \\p{{..}} and \\s classes of tiktoken's and
// HF tokenizers' regex engines code point by code point (tests/test_unicode_tables.py).
//
// Layout: a two-stage table. kStage1[cp / {BLOCK}] picks one of {len(stage2)} deduplicated
// blocks of {BLOCK} flag words in kStage2. Block 0 is U+0000..U+007F, so ASCII takes one
// load; everything else two. Code points >= 0x{limit:X} (including > 0x10FFFF) have no
// flags. Surrogates U+D800..U+DFFF have none either: the reference libraries never see
// them as characters (tiktoken turns a lone surrogate into U+FFFD before splitting).
#pragma once

#include <cstdint>

namespace ts::unicode {{

// W: a word character of regex `\\w` (Alphabetic, M, Nd, Pc, Join_Control), for single_word.
enum Flag : uint16_t {{ L = 1, N = 2, M = 4, WS = 8, Lu = 16, Ll = 32, Lt = 64, Lm = 128, Lo = 256, W = 512 }};

inline constexpr const char* kUnicodeVersion = "{UNICODE_VERSION}";

namespace detail {{

inline constexpr uint32_t kBlockShift = {BLOCK.bit_length() - 1};
inline constexpr uint32_t kBlockMask = {BLOCK - 1};
inline constexpr uint32_t kLimit = 0x{limit:X};  // first code point past the last non-zero block

inline constexpr {index_type} kStage1[{len(stage1)}] = {{
{format_array(stage1, 24)}
}};

inline constexpr uint16_t kStage2[{len(stage2)}][{BLOCK}] = {{
{stage2_text}
}};

}}  // namespace detail

// Flags of a code point; any uint32_t is accepted, out-of-range values give 0.
inline uint16_t flags(uint32_t cp) {{
  if (cp < {BLOCK}) return detail::kStage2[0][cp];
  if (cp >= detail::kLimit) return 0;
  return detail::kStage2[detail::kStage1[cp >> detail::kBlockShift]][cp & detail::kBlockMask];
}}

}}  // namespace ts::unicode
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args()
    stage1, stage2 = build_stages(compute_flags(load_unicodedata()))
    text = render(stage1, stage2)
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale; rerun scripts/gen_unicode_tables.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}: {len(stage1)} index entries, {len(stage2)} blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
