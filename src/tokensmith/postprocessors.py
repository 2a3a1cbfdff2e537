"""Post-processors: the special tokens a model expects around a sequence (BOS/EOS).

Applied only with ``encode(..., add_special_tokens=True)``, as HF tokenizers does by default;
tiktoken-style encoding never adds anything.

>>> Template(prefix=[1], suffix=[2]).apply([5, 6])
[1, 5, 6, 2]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Template:
    """Ids added before and after a single sequence, plus HF's JSON to write it back."""

    prefix: list = field(default_factory=list)
    suffix: list = field(default_factory=list)
    source: Optional[dict] = field(default=None, compare=False)

    def apply(self, ids: list[int]) -> list[int]:
        return [*self.prefix, *ids, *self.suffix] if (self.prefix or self.suffix) else ids


def from_json(obj: Optional[dict], *, path: object = None) -> Optional[Template]:
    from tokensmith.errors import UnsupportedComponentError

    if obj is None:
        return None
    kind = obj.get("type")
    if kind == "ByteLevel":  # only trims offsets; ids are unchanged
        return Template(source=obj)
    if kind == "TemplateProcessing":
        specials = obj.get("special_tokens", {})
        prefix: list[int] = []
        suffix: list[int] = []
        seen_sequence = False
        for item in obj.get("single", []):
            if "Sequence" in item:
                seen_sequence = True
            elif "SpecialToken" in item:
                name = item["SpecialToken"]["id"]
                if name not in specials:
                    raise UnsupportedComponentError(f"TemplateProcessing names unknown special token {name!r}", path=path)
                (suffix if seen_sequence else prefix).extend(specials[name]["ids"])
        return Template(prefix, suffix, obj)
    if kind in ("RobertaProcessing", "BertProcessing"):
        return Template([obj["cls"][1]], [obj["sep"][1]], obj)
    if kind == "Sequence":
        prefix, suffix = [], []
        for p in obj.get("processors", []):
            t = from_json(p, path=path)
            if t is not None:
                prefix, suffix = t.prefix + prefix, suffix + t.suffix
        return Template(prefix, suffix, obj)
    raise UnsupportedComponentError(
        f"post-processor {kind!r} is not supported yet (supported: ByteLevel, TemplateProcessing, "
        "RobertaProcessing, BertProcessing, Sequence)", path=path)
