"""Tokenization models: thin declarative wrappers that the native core runs."""
from tokensmith.models.bpe import BPE

__all__ = ["BPE"]
