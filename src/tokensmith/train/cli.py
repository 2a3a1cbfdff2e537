"""``tokensmith train`` and ``tokensmith count``: the training API from the shell.

Flags are :func:`tokensmith.train.train`'s keyword arguments in kebab-case. ``tokensmith.cli``
registers these subcommands; this module only builds their parsers and runs them.
"""
from __future__ import annotations

import argparse
from pathlib import Path

EPILOG_TRAIN = """\
examples:
  tokensmith train corpus/*.txt --vocab-size 32000 -o out/
      byte-level BPE split like o200k; writes out/tokenizer.json, out/trained.tiktoken,
      out/training.json
  tokensmith train data.jsonl.zst --field content --vocab-size 64000 --pretokenizer cl100k -o out/
  tokensmith train wiki.txt --level chars --vocab-size 16000 -o out/
      SentencePiece-style BPE (spaces as U+2581) with <0xNN> byte fallback
  tokensmith train en=en.txt de=de.txt fi=fi.txt --objective parity \\
      --dev en=dev.en de=dev.de fi=dev.fi --vocab-size 32000 -o out/
      parity-aware BPE: each merge helps the language whose dev set is longest
  tokensmith count big/ --counts-out counts.parquet --max-memory 1GB
  tokensmith train counts.parquet --vocab-size 8000 -o out8k/
      train several sizes from one counting pass

A single INPUT that is a .parquet file written by `tokensmith count` is reused as counts.
Inputs of the form LANG=PATH give one corpus per language (needed by --objective parity).
"""


def _cli_error(message: str) -> Exception:
    from tokensmith.cli import CliError

    return CliError(message)


def _size(value: str) -> int:
    from tokensmith.train import parse_size

    try:
        return parse_size(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _add_common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("inputs", nargs="+", metavar="INPUT",
                     help="files, folders or globs (.txt, .jsonl, .parquet, optionally .gz/.bz2/.xz/.zst);"
                          " LANG=PATH for one corpus per language")
    sub.add_argument("--level", choices=("bytes", "chars"), default="bytes",
                     help="bytes: byte-level BPE (GPT/tiktoken style); chars: SentencePiece-style BPE with"
                          " byte fallback (default: bytes)")
    sub.add_argument("--pretokenizer", default="o200k", metavar="PRESET|REGEX",
                     help="split pattern for --level bytes: gpt2, cl100k, llama3, qwen2, o200k, tekken,"
                          " a regex, or 'none' (default: o200k)")
    sub.add_argument("--digits", choices=("single", "groups"), default=None,
                     help="rewrite the pattern's digit rule: one piece per digit, or groups of up to 3")
    sub.add_argument("--normalizer", choices=("NFC", "NFKC", "NFD", "NFKD"), default=None,
                     help="Unicode normalisation before splitting (default: none, lossless)")
    sub.add_argument("--whitespace-only-pieces", action="store_true",
                     help="--level chars: keep runs of spaces as pieces of their own")
    sub.add_argument("--document", choices=("line", "file", "block"), default="line",
                     help="what one document is in text files (default: line)")
    sub.add_argument("--field", default="text", help="the JSONL field holding the text (default: text)")
    sub.add_argument("--column", default="text", help="the Parquet column holding the text (default: text)")
    sub.add_argument("--errors", choices=("replace", "skip", "error"), default="replace",
                     help="invalid UTF-8: replace with U+FFFD, skip the document, or stop (default: replace)")
    sub.add_argument("--threads", type=int, default=None, metavar="N", help="counting threads (default: all cores)")
    sub.add_argument("--max-memory", type=_size, default=None, metavar="SIZE",
                     help="memory budget for counting, e.g. 1GB (default: half the machine's memory)")
    sub.add_argument("--quiet", action="store_true", help="no progress display")


def add_parsers(commands, subparser) -> None:
    """Register `train` and `count` with the main parser (`subparser` is cli._subparser)."""
    sub = subparser(commands, "train", summary="Train a BPE tokenizer on a corpus.", epilog=EPILOG_TRAIN,
                    func=run_train)
    _add_common(sub)
    sub.add_argument("-o", "--output", required=True, metavar="DIR",
                     help="folder for tokenizer.json, NAME.tiktoken and training.json")
    sub.add_argument("--algorithm", choices=("bpe",), default="bpe", help="the training algorithm (default: bpe)")
    sub.add_argument("--vocab-size", type=int, default=32000, metavar="N",
                     help="ids in the result, special tokens included (default: 32000)")
    sub.add_argument("--min-frequency", type=int, default=0, metavar="N",
                     help="stop when the best pair occurs fewer than N times (default: 0)")
    sub.add_argument("--special-tokens", default="", metavar="TOKEN,...",
                     help="special tokens to add, comma-separated (e.g. '<|endoftext|>')")
    sub.add_argument("--max-token-length", type=int, default=None, metavar="N",
                     help="longest token, in bytes (chars for --level chars)")
    sub.add_argument("--compat", choices=("hf",), default=None,
                     help="hf: reproduce HF tokenizers' BpeTrainer merge for merge")
    sub.add_argument("--character-coverage", type=float, default=0.9995, metavar="F",
                     help="--level chars: share of characters the alphabet covers (default: 0.9995)")
    sub.add_argument("--objective", choices=("frequency", "parity"), default="frequency",
                     help="frequency: classic BPE; parity: parity-aware BPE (needs LANG=PATH inputs and --dev)")
    sub.add_argument("--dev", nargs="+", default=None, metavar="LANG=PATH",
                     help="parity: the parallel dev set of each language")
    sub.add_argument("--global-merges", type=int, default=0, metavar="M",
                     help="parity: the first M merges are classic BPE (hybrid variant)")
    sub.add_argument("--window", type=int, default=0, metavar="W",
                     help="parity: moving window over the last W chosen languages (0: off)")
    sub.add_argument("--alpha", type=float, default=2.0,
                     help="parity: a language chosen more than alpha/L of the window is passed over (default: 2)")
    sub.add_argument("--name", default="trained", help="name of the tokenizer and of NAME.tiktoken")

    cnt = subparser(commands, "count", summary="Count the pieces of a corpus once, to train several sizes from it.",
                    epilog=EPILOG_TRAIN, func=run_count)
    _add_common(cnt)
    cnt.add_argument("--counts-out", required=True, metavar="PATH", help="the Parquet file to write")


def _inputs(items: list[str]):
    """Paths, or LANG -> Path when every item is LANG=PATH."""
    tagged = [i.split("=", 1) for i in items if "=" in i and not Path(i).exists()]
    if tagged and len(tagged) == len(items):
        by_lang: dict[str, list[Path]] = {}
        for lang, path in tagged:
            by_lang.setdefault(lang, []).append(Path(path))
        return {lang: (paths[0] if len(paths) == 1 else paths) for lang, paths in by_lang.items()}
    if tagged:
        raise _cli_error("mix of LANG=PATH and plain inputs; give every input a language or none")
    if len(items) == 1 and items[0].endswith(".parquet"):
        from tokensmith.train.counting import PieceCounts

        try:
            return PieceCounts.load(items[0])
        except Exception:
            pass  # an ordinary Parquet corpus
    return items[0] if len(items) == 1 else [Path(i) for i in items]


def _splitter_options(args) -> dict:
    pre = None if args.pretokenizer == "none" else args.pretokenizer
    return dict(level=args.level, pretokenizer=pre, digits=args.digits, normalizer=args.normalizer,
                whitespace_only_pieces=args.whitespace_only_pieces, document=args.document, field=args.field,
                column=args.column, errors=args.errors, threads=args.threads, max_memory=args.max_memory,
                progress=not args.quiet)


def run_train(args) -> int:
    from rich.console import Console

    from tokensmith.train import ParityAware, train
    from tokensmith.train.output import write

    corpus = _inputs(args.inputs)
    objective = None
    if args.objective == "parity":
        if not args.dev:
            raise _cli_error("--objective parity needs --dev LANG=PATH for every language")
        objective = ParityAware(dev=_inputs(args.dev), global_merges=args.global_merges, window=args.window,
                                alpha=args.alpha)
    specials = [s for s in args.special_tokens.split(",") if s]
    try:
        tok = _train(train, corpus, args, specials, objective)
    except ValueError as e:  # option combinations the library refuses (typed errors pass through)
        from tokensmith.errors import TokensmithError

        if isinstance(e, TokensmithError):
            raise
        raise _cli_error(str(e)) from None
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for path in write(tok, args.output, name=args.name):
        console.print(f"wrote {path}", markup=False)
    info = tok.training
    console.print(f"{info['merges']} merges, vocabulary {tok.vocab_size} ({info['stop_reason']}), "
                  f"{info['timings']['total_seconds']} s", markup=False)
    return 0


def _train(train, corpus, args, specials, objective):
    return train(corpus, algorithm=args.algorithm, vocab_size=args.vocab_size, min_frequency=args.min_frequency,
                 special_tokens=specials, max_token_length=args.max_token_length, compat=args.compat,
                 character_coverage=args.character_coverage, objective=objective, name=args.name,
                 **_splitter_options(args))


def run_count(args) -> int:
    from rich.console import Console

    from tokensmith.train import Splitter, count

    opts = _splitter_options(args)
    if opts["level"] == "chars":
        splitter = Splitter.chars(whitespace_only_pieces=opts["whitespace_only_pieces"], normalizer=opts["normalizer"])
    else:
        splitter = Splitter.bytes(opts["pretokenizer"], digits=opts["digits"], normalizer=opts["normalizer"])
    corpus = _inputs(args.inputs)
    if isinstance(corpus, dict):
        raise _cli_error("count takes one corpus; count each language into its own file")
    counts = count(corpus, splitter=splitter, threads=opts["threads"], max_memory=opts["max_memory"],
                   progress=opts["progress"], document=opts["document"], field=opts["field"],
                   column=opts["column"], errors=opts["errors"])
    path = counts.save(args.counts_out)
    Console(stderr=True, highlight=False).print(f"wrote {path}: {len(counts)} pieces, {counts.total} occurrences",
                                                markup=False)
    return 0
