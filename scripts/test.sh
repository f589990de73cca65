#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  # browser tests drive Debian's Chromium (playwright cannot download its own browser here)
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi
python -m pip install -q -r requirements.txt -r requirements-dev.txt -r requirements-scale.txt  # the scale extra is tested too
python -m pytest "$@"
