"""Haystack's default indexing pipeline with the same model, for bench/vs_haystack.py: split documents
(DocumentSplitter's defaults), embed them (SentenceTransformersDocumentEmbedder), write them to an
InMemoryDocumentStore. Runs in a throwaway virtual environment that has haystack-ai and
sentence-transformers-haystack installed (never the project's); prints one JSON line: seconds, documents, chunks.

    /tmp/hayvenv/bin/python bench/haystack_ingest.py CORPUS.jsonl MODEL_DIR
"""

from __future__ import annotations

import json
import sys
import time


def main(corpus: str, model: str) -> int:
    import sentence_transformers  # noqa: F401  (imports are not timed, on either side; loading the model is)
    from haystack import Document, Pipeline
    from haystack.components.preprocessors import DocumentSplitter
    from haystack.components.writers import DocumentWriter
    from haystack.document_stores.in_memory import InMemoryDocumentStore
    from haystack_integrations.components.embedders.sentence_transformers import (  # sentence-transformers-haystack
        SentenceTransformersDocumentEmbedder,
    )

    with open(corpus, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    t0 = time.perf_counter()
    docs = [Document(content=r["text"], meta={"title": r.get("title", ""), "id": r["id"]}) for r in rows]
    store = InMemoryDocumentStore()
    pipe = Pipeline()
    pipe.add_component("splitter", DocumentSplitter())
    pipe.add_component("embedder", SentenceTransformersDocumentEmbedder(model=model, progress_bar=False))
    pipe.add_component("writer", DocumentWriter(document_store=store))
    pipe.connect("splitter", "embedder")
    pipe.connect("embedder", "writer")
    pipe.run({"splitter": {"documents": docs}})
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "documents": len(docs), "chunks": store.count_documents()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
