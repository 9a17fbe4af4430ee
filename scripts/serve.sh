#!/usr/bin/env bash
# Build heaplens and serve it at http://127.0.0.1:8080/ (first run installs the toolchain:
# expect ~30 min on a fresh machine; later runs take seconds to a few minutes).
#
#   scripts/serve.sh            # port 8080
#   PORT=9000 scripts/serve.sh  # another port
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$ROOT/scripts/setup.sh"

log "trunk build --release"
trunk build --release

# Only dist/ is served, with the page's Content-Security-Policy as a header (see serve.py).
exec python3 "$ROOT/scripts/serve.py" --dir "$ROOT/dist" --host 127.0.0.1 --port "${PORT:-8080}"
