"""Phrase vectors at the cost of a table look-up: every word piece of the embedding model's vocabulary run
alone through the model once ("[CLS] piece [SEP]", mean pooling, normalised, as the sentence embedding is);
a phrase's vector is the mean of its pieces' vectors, normalised.

Answering compares each candidate's own words with the kind of thing the question asks for ("RSV" with
"virus", "Walmart" with "food"). Running MiniLM on the ~100 candidates of a question took ~0.27 s on one
thread (2026-12), more than a whole question may take; the table does it in well under a millisecond, and
on realtimeqa-train it ranked answers as well as the full model did (qa/answer/reading.py).

The table (30,522 pieces × 384, float16, 23 MB) is computed from the packaged model on first use (~15 s
on 2 cores) and cached under `models/` beside the default index, keyed by a digest of the weights and
written atomically, as the ONNX export is (qa/index/onnx_embedding.py)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.settings import MODEL_CACHE

BATCH = 1024  # pieces run through the model at once while the table is built


class PieceVectors:
    """`embed(texts)`: each text the normalised mean of its word pieces' vectors (zeros for no pieces)."""

    def __init__(self, folder: Path, cache: Path = MODEL_CACHE):
        self.folder, self.cache = Path(folder), Path(cache)
        self.name = f"{self.folder.name}@pieces"
        self._table: np.ndarray | None = None
        self._tokenizer = None

    @property
    def dim(self) -> int:
        return int(self.load().shape[1])

    def load(self):
        if self._table is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            tok.no_truncation()
            tok.no_padding()
            self._tokenizer = tok
            self._table = piece_table(self.folder, self.cache)
        return self._table

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:
        """The pieces of all texts taken from the table at once, each text's rows summed in order and divided
        by their count, in float32: what each text's own mean gives, bit for bit (20,000 candidate texts
        compared), in about a quarter less time for a question's ~160 candidates."""
        table = self.load()
        ids = [enc.ids for enc in self._tokenizer.encode_batch(list(texts), add_special_tokens=False)]
        counts = np.array([len(i) for i in ids], dtype=np.int64)
        out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        some = counts > 0
        if some.any():
            rows = table[np.concatenate([i for i in ids if i])].astype(np.float32)
            starts = np.concatenate([[0], np.cumsum(counts[some])[:-1]])
            out[some] = np.add.reduceat(rows, starts, axis=0) / counts[some, None].astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def piece_table(folder: Path, cache: Path) -> np.ndarray:
    """The (vocabulary, dim) float16 table of the model folder, computed once and cached."""
    from qa.index.onnx_embedding import weights_digest

    path = cache / f"{folder.name}-{weights_digest(folder)}" / "pieces-f16.npy"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp-{os.getpid()}.npy")
        np.save(tmp, _compute(folder).astype(np.float16), allow_pickle=False)
        os.replace(tmp, path)
    return np.load(path, allow_pickle=False)


def _compute(folder: Path) -> np.ndarray:
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    config = bert.config
    cls, sep = _special_ids(folder)
    out = np.zeros((config.vocab_size, config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for i in range(0, config.vocab_size, BATCH):
            ids = torch.arange(i, min(config.vocab_size, i + BATCH))
            inp = torch.stack([torch.full_like(ids, cls), ids, torch.full_like(ids, sep)], dim=1)
            hidden = bert(input_ids=inp, attention_mask=torch.ones_like(inp)).last_hidden_state.mean(dim=1)
            out[i : i + len(ids)] = torch.nn.functional.normalize(hidden, dim=1).numpy()
    return out


def _special_ids(folder: Path) -> tuple[int, int]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    return tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
