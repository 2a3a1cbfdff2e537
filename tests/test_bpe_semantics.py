"""The two BPE semantics on hand-made vocabularies, with expected outputs worked out by hand
from the definitions (docs/formats.md): pair-rank applies listed merges in order, token-rank
merges any adjacent pair whose concatenation is a token, lowest token id first."""
import pytest

from tokensmith import Tokenizer
from tokensmith.errors import UnsupportedComponentError
from tokensmith.models.bpe import BPE

BYTES = [bytes([i]) for i in range(256)]
A, B, C = ord("a"), ord("b"), ord("c")


def divergent_vocab():
    # ids 256.. : bc, ab, abc; merges in order (b,c), (a,b), (ab,c)
    return BYTES + [b"bc", b"ab", b"abc"]


def test_pair_rank_leaves_abc_unreachable_from_its_own_string():
    tok = Tokenizer(BPE(tokens=divergent_vocab(), merges=[(B, C), (A, B), (257, C)]))
    assert tok.encode("abc") == [A, 256]
    assert tok.encode("abcab") == [A, 256, 257]
    assert 258 in tok.unreachable_tokens()


def test_token_rank_merges_any_pair_that_forms_a_token():
    tok = Tokenizer(BPE(tokens=divergent_vocab(), merges=None))
    assert tok.encode("abc") == [258]
    assert tok.encode("abcab") == [258, 257]


def test_token_rank_without_whole_piece_lookup_follows_rank_order():
    # Tokens in rank order: a b c ab cb ac bb cbb acbb (no other bytes needed for this text).
    vocab = [b"a", b"b", b"c", b"ab", b"cb", b"ac", b"bb", b"cbb", b"acbb"]
    tok = Tokenizer(BPE(tokens=vocab, merges=None))
    assert tok.encode("abacb") == [3, 0, 4]      # ab a cb
    assert tok.encode("abacbb") == [3, 8]        # ab acbb


def test_leftmost_pair_wins_a_tie():
    tok = Tokenizer(BPE(tokens=BYTES + [b"aa"], merges=[(A, A)]))
    assert tok.encode("aaa") == [256, A]


def test_saving_a_divergent_pair_rank_model_as_tiktoken_is_refused(tmp_path):
    tok = Tokenizer(BPE(tokens=divergent_vocab(), merges=[(B, C), (A, B), (257, C)]))
    with pytest.raises(UnsupportedComponentError, match="rank-consistent"):
        tok.save(tmp_path / "x.tiktoken", format="tiktoken")
    assert not list(tmp_path.iterdir())


def test_long_piece_uses_the_heap_and_agrees_with_the_short_loop():
    # 64 symbols and fewer take the quadratic loop, more take the heap: both must agree.
    tok = Tokenizer(BPE(tokens=BYTES + [b"ab", b"abab", b"ba"], merges=None))
    for n in (3, 31, 32, 33, 100, 1001):
        text = "ab" * n + "a"
        ids = tok.encode(text)
        assert tok.decode(ids) == text
        assert ids == [257] * (n // 2) + [256] * (n % 2) + [A]
