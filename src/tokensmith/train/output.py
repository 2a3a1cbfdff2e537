"""Writing a trained tokenizer to a folder: the model files and ``training.json``.

``write(tok, out_dir)`` writes

* ``tokenizer.json`` + ``tokenizer_config.json`` (HF tokenizers / transformers);
* ``NAME.tiktoken`` + ``NAME.tiktoken.json`` (pattern and special tokens) for byte-level models
  whose ranks are their merge order (every default byte-level training);
* ``training.json``: options, objective, corpus and counting statistics (documents, bytes,
  replaced and skipped input, pruned pieces), stop reason, timings and versions.

Every file is written atomically. The model files depend only on the corpus and the options,
so two runs give byte-identical files; ``training.json`` differs only in its ``timings``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Union

from tokensmith.formats.common import atomic_write


def write(tok, out_dir: Union[str, os.PathLike], *, name: str | None = None) -> list[str]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = name or tok.name
    written = list(tok.save(out, format="hf"))
    info = dict(getattr(tok, "training", {}) or {})
    tiktoken_note = None
    if tok.model.initial == "bytes" and tok.model.merges is None:
        written += tok.save(out / f"{name}.tiktoken", format="tiktoken")
    else:
        tiktoken_note = ("not written: .tiktoken needs a byte-level model whose ranks are its merge order "
                         "(train with level='bytes' and without compat='hf')")
    info["files"] = sorted(Path(p).name for p in written) + ["training.json"]
    if tiktoken_note:
        info["tiktoken"] = tiktoken_note
    written.append(atomic_write(out / "training.json", json.dumps(info, indent=1, ensure_ascii=False, sort_keys=True,
                                                                  default=str) + "\n"))
    return written
