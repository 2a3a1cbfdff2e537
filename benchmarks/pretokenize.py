"""Pre-tokenization alone: the native scanners at each level, and the regex they stand for.

For cl100k_base and o200k_base, every document of each corpus (as in `encode.py`) is cut
into pieces by

- `regex`: the `regex` module's `findall` with the published pattern (the reference);
- `per-piece`: the hand-written scanner, one piece at a time (`bulk=0`);
- `masks/sse2`: ASCII text decided 64 bytes at a time with SSE2 bit masks (`bulk=1`);
- `masks/avx2`: the same with AVX2 where the processor has it (`bulk=2`);
- `masks/best`: with AVX-512BW where the processor has it, else as avx2 (`bulk=3`, the default).

Every native level must give the regex's pieces on every document (checked, counted as
mismatches); the table shows MB/s (UTF-8 bytes in / best of `--repeats` timings, one
thread) and the speed of each level over the per-piece scanner.

    python benchmarks/pretokenize.py
    python benchmarks/pretokenize.py --quick
"""

from __future__ import annotations

import argparse

import regex
from common import CORPORA, build_corpus, console, load_encoding, pinned_to, print_table, timed, utf8_len

from tokensmith import _core
from tokensmith.pretokenizers import fast_path, preset

LEVELS = (("per-piece", 0), ("masks/sse2", 1), ("masks/avx2", 2), ("masks/best", 3))
ENCODINGS = {"cl100k_base": "cl100k", "o200k_base": "o200k"}


def pieces_of(text: str, ends: list[int]) -> list[str]:
    data = text.encode("utf-8")
    return [data[a:b].decode("utf-8") for a, b in zip([0, *ends[:-1]], ends)]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sample of each corpus")
    p.add_argument("--repeats", type=int, default=3, help="timings per measurement (best is kept)")
    args = p.parse_args(argv)
    corpora = [build_corpus(c, args.quick, 15.0, 600) for c in CORPORA]
    rows = []
    with pinned_to([0]):
        for encoding, family in ENCODINGS.items():
            pattern = regex.compile(load_encoding(encoding).pat_str)
            fp = fast_path(preset(family))
            for corpus in corpora:
                nbytes = utf8_len(corpus.docs)
                reference = [pattern.findall(d) for d in corpus.docs]
                seconds = min(timed(lambda: [pattern.findall(d) for d in corpus.docs])[0]
                              for _ in range(args.repeats))
                row = [encoding, corpus.name, f"{nbytes / 1e6 / seconds:.0f}"]
                base = None
                for name, level in LEVELS:
                    # Timed on count_pieces (the scanner alone, no Python list of ends), checked on
                    # split_pieces.
                    def run(level=level):
                        return [_core.count_pieces(d, fp.kind, fp.max_digits, fp.contractions, bulk=level)
                                for d in corpus.docs]
                    seconds = min(timed(run)[0] for _ in range(args.repeats))
                    ends = [_core.split_pieces(d, fp.kind, fp.max_digits, fp.contractions, bulk=level)
                            for d in corpus.docs]
                    bad = sum(pieces_of(d, e) != r for d, e, r in zip(corpus.docs, ends, reference))
                    speed = nbytes / 1e6 / seconds
                    base = base or speed
                    row.append(f"{speed:.0f} ({speed / base:.2f}x)" + (f" {bad} MISMATCHES" if bad else ""))
                rows.append(row)
                console.print(f"  {encoding} {corpus.name}: {row[2:]}", highlight=False)
    print_table("pre-tokenization, MB/s, one thread (x: over the per-piece scanner)",
                ["encoding", "corpus", "regex"] + [name for name, _ in LEVELS], rows)


if __name__ == "__main__":
    main()
