#!/usr/bin/env bash
# Install everything the app needs on a fresh machine, then start the web chat on the bundled corpus
# (http://127.0.0.1:7860). Arguments go to app.py, e.g. `bash scripts/run.sh --port 7861 --index DIR`.
# The first start builds the index from corpus/ into index/; later starts load it.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements.txt
exec python app.py "$@"
