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


def from_json(obj: Optional[dict], *, path: object = None, where: str = "post_processor") -> Optional[Template]:
    """Parse HF's JSON form; unsupported components raise UnsupportedComponentError, parts of the
    wrong shape a FormatError naming ``where`` in the file."""
    from tokensmith import _shape
    from tokensmith.errors import UnsupportedComponentError

    obj = _shape.component(obj, where, path)
    if obj is None:
        return None
    kind = obj["type"]
    at = f"{where} ({kind})"
    if kind == "ByteLevel":  # only trims offsets; ids are unchanged
        return Template(source=obj)
    if kind == "TemplateProcessing":
        specials = _shape.obj(obj.get("special_tokens", {}), f"{at}.special_tokens", path)
        prefix: list[int] = []
        suffix: list[int] = []
        seen_sequence = False
        for k, item in enumerate(_shape.array(obj.get("single", []), f"{at}.single", path)):
            here = f"{at}.single[{k}]"
            _shape.obj(item, here, path, what="{\"Sequence\": {...}} or {\"SpecialToken\": {...}}")
            if "Sequence" in item:
                seen_sequence = True
            elif "SpecialToken" in item:
                ref = _shape.obj(item["SpecialToken"], f"{here}.SpecialToken", path)
                name = _shape.string(_shape.field(ref, "id"), f"{here}.SpecialToken.id", path)
                if name not in specials:
                    raise UnsupportedComponentError(f"TemplateProcessing names unknown special token {name!r}", path=path)
                (suffix if seen_sequence else prefix).extend(_special_ids(specials[name], name, at, path))
            else:
                raise _shape.fail(here, "{\"Sequence\": {...}} or {\"SpecialToken\": {...}}", item, path)
        return Template(prefix, suffix, obj)
    if kind in ("RobertaProcessing", "BertProcessing"):
        cls, sep = (_pair_id(_shape.field(obj, key), f"{at}.{key}", path) for key in ("cls", "sep"))
        return Template([cls], [sep], obj)
    if kind == "Sequence":
        prefix, suffix = [], []
        for k, p in enumerate(_shape.array(_shape.field(obj, "processors"), f"{at}.processors", path)):
            here = f"{where}.processors[{k}]"
            t = from_json(_shape.obj(p, here, path, what="an object with a 'type'"), path=path, where=here)
            if t is not None:
                prefix, suffix = t.prefix + prefix, suffix + t.suffix
        return Template(prefix, suffix, obj)
    raise UnsupportedComponentError(
        f"post-processor {kind!r} is not supported yet (supported: ByteLevel, TemplateProcessing, "
        "RobertaProcessing, BertProcessing, Sequence)", path=path)


def _special_ids(entry, name: str, at: str, path: object) -> list[int]:
    """The ids of ``special_tokens[name]`` in a TemplateProcessing."""
    from tokensmith import _shape

    here = f"{at}.special_tokens[{name!r}]"
    _shape.obj(entry, here, path, what=f"an object with the 'ids' of {name!r}")
    ids = _shape.array(_shape.field(entry, "ids"), f"{here}.ids", path, what=f"a list of the token ids of {name!r}")
    return [_shape.token_id(i, f"{here}.ids[{k}]", path) for k, i in enumerate(ids)]


def _pair_id(value, where: str, path: object) -> int:
    """The id of a ``[token, id]`` pair (RobertaProcessing / BertProcessing ``cls`` and ``sep``)."""
    from tokensmith import _shape

    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], str):
        raise _shape.fail(where, "a pair [token, id]", value, path)
    return _shape.token_id(value[1], f"{where}[1]", path)
