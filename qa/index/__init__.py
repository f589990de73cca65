"""The index: embedding chunks, the FAISS vector index, the BM25 keyword index, stories (articles that
tell the same news), the versioned folder on disk, building and updating it, and a loaded Index."""
