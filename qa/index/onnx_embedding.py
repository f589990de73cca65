"""The same MiniLM through ONNX Runtime, in fp32 or dynamically quantised to int8: a faster embedder
on CPU (numbers in docs/scale.md), and the GPU automatically when ONNX Runtime has one.

The model is exported once from the packaged sentence-transformers copy (torch.onnx, no download),
quantised with onnxruntime.quantization, and cached under `models/` beside the default index
(keyed by a digest of the weights, written atomically). An index built with it records the model as
`all-MiniLM-L6-v2@onnx-int8`, so it is always queried with the embedder that built it, and indexes of
the plain model keep loading with sentence-transformers.

sentence-transformers' own ONNX backend needs optimum, whose ONNX package does not support the
installed transformers 5; the export here is the same graph (BERT, then mean pooling over the
attention mask and L2 normalisation, as the model's modules.json says).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.errors import QAError

BACKENDS = ("onnx", "onnx-int8")
SMALL_BATCH = 16  # up to this many texts (a question) run on a one-thread session
OPSET = 17
# Weights of the MatMuls only, one scale per output channel. Measured on 200 realtimeqa-dev texts against
# fp32: cosine mean 0.994 (min 0.989), 1.5x faster than fp32 ONNX; every op per tensor (the default):
# 0.945 (min 0.895); uint8 weights per channel: 0.994 but no faster than fp32 (x86 has no fast u8*u8).
QUANTISATION = {"op_types_to_quantize": ["MatMul"], "per_channel": True}


def split_backend(model: str) -> tuple[str, str]:
    """ "all-MiniLM-L6-v2@onnx-int8" → ("all-MiniLM-L6-v2", "onnx-int8"); no suffix → (model, "")."""
    name, _, backend = model.rpartition("@") if "@" in model else (model, "", "")
    return name, backend


def weights_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")) + [folder / "config.json"]:
        if f.exists():
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def export(model_dir: Path, cache: Path, quantize: bool) -> Path:
    """The ONNX file for the model folder (exported and quantised on first use, then cached)."""
    out = cache / f"{model_dir.name}-{weights_digest(model_dir)}"
    fp32, int8 = out / "model.onnx", out / "model-int8-matmul-per-channel.onnx"
    wanted = int8 if quantize else fp32
    if wanted.exists():
        return wanted
    out.mkdir(parents=True, exist_ok=True)
    if not fp32.exists():
        _export_fp32(model_dir, fp32)
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = int8.with_suffix(f".tmp-{os.getpid()}.onnx")
        quantize_dynamic(str(fp32), str(tmp), **QUANTISATION, weight_type=QuantType.QInt8)
        os.replace(tmp, int8)
    return wanted


def _export_fp32(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):  # keyword arguments: transformers 5 takes no positional mask
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    model = Encoder().eval()
    ids = torch.ones((2, 8), dtype=torch.int64)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0  # a padded row, so that the traced graph keeps the masking of padding
    tmp = target.with_suffix(f".tmp-{os.getpid()}.onnx")
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, mask, torch.zeros_like(ids)),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "token_type_ids")}
            | {"last_hidden_state": {0: "batch", 1: "tokens"}},
            opset_version=OPSET,
            dynamo=False,
        )
    os.replace(tmp, target)


class OnnxEmbedder:
    """A sentence-transformers model folder run by ONNX Runtime (mean pooling, normalised)."""

    def __init__(self, model: str, folder: str | Path, cache: Path, batch_size: int = 32):
        self.name = model  # with its @backend suffix, as the manifest records it
        base, backend = split_backend(model)
        if backend not in BACKENDS:
            raise QAError(f"unknown embedding backend {backend!r} in {model!r}; use @onnx or @onnx-int8")
        self.base, self.folder, self.quantize = base, Path(folder), backend == "onnx-int8"
        self.cache, self.batch_size = Path(cache), batch_size
        self._sessions: dict[int, object] = {}
        self._tokenizer = None
        self.dim = 0

    def load(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            folder = self.folder
            if not (folder / "tokenizer.json").exists():
                raise QAError(f"{self.base!r} is not a sentence-transformers model folder with a tokenizer.json")
            self.path = export(folder, self.cache, self.quantize)
            config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
            self.max_tokens = int(config.get("max_seq_length", 256))
            tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tok.enable_truncation(self.max_tokens)
            tok.no_padding()
            self._tokenizer = tok
            self.dim = int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["hidden_size"])
        return self._tokenizer

    def _session(self, threads: int):
        """One session per thread count: a question runs on one thread (as the torch embedder does)."""
        if threads not in self._sessions:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            providers = [
                p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()
            ]
            self._sessions[threads] = ort.InferenceSession(str(self.path), options, providers=providers)
        return self._sessions[threads]

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:
        tok = self.load()
        session = self._session(1 if len(texts) <= SMALL_BATCH else 0)  # 0: ONNX Runtime's default (all cores)
        encoded = tok.encode_batch(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([-len(e.ids) for e in encoded], kind="stable")  # longest first: little padding
        for i in range(0, len(texts), self.batch_size):
            rows = order[i : i + self.batch_size]
            out[rows] = self._run(session, [encoded[j] for j in rows])
            if progress:
                progress(len(rows))
        return out

    @staticmethod
    def _run(session, encoded) -> np.ndarray:
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for k, e in enumerate(encoded):
            ids[k, : len(e.ids)], mask[k, : len(e.ids)] = e.ids, 1
        hidden = session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
