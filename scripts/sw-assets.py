#!/usr/bin/env python3
"""Write the service worker's asset list into sw.js (web/pwa/sw.js, copied by Trunk).

Run by scripts/post-build.sh in Trunk's staging dir, after offline-html.py; by hand:
`scripts/sw-assets.py dist`. The list is every file of the build that the hosted app loads:
all files in the directory but the service worker itself and the outputs meant for download
(heaplens-offline.html, SHA256SUMS), plus "./" (the start page as navigated to). The bundled
sample dump is listed apart ("on_use"): cached when the user first opens it, not at install,
so a visit that never asks for the sample never requests it. The build id is a hash of the
names and contents, so a new build gets a new cache and the old one is deleted.
Idempotent: the placeholder is found in the copy Trunk made, or the previous list is replaced.
"""

import hashlib
import json
import os
import re
import sys
from pathlib import Path

SW = "sw.js"
# Files of the build the hosted page never loads: offered for download, not cached.
NOT_CACHED = {SW, "heaplens-offline.html", "SHA256SUMS"}
PLACEHOLDER = re.compile(r"/\*@SW_BUILD@\*/ \{[^\n]*\}")


def main() -> None:
    staging = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ["TRUNK_STAGING_DIR"])
    sw = staging / SW
    text = sw.read_text(encoding="utf-8")
    if len(PLACEHOLDER.findall(text)) != 1:
        sys.exit(f"sw-assets: expected one /*@SW_BUILD@*/ placeholder in {sw}")
    names = sorted(
        p.relative_to(staging).as_posix()
        for p in staging.rglob("*")
        if p.is_file() and p.relative_to(staging).as_posix() not in NOT_CACHED
    )
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + hashlib.sha256((staging / name).read_bytes()).digest())
    sample = [n for n in names if re.search(r"\.hprof(\.gz)?$", n)]
    assets = ["./", *(n for n in names if n not in sample)]
    build = {"id": digest.hexdigest()[:16], "assets": assets, "on_use": sample}
    text = PLACEHOLDER.sub(lambda _: "/*@SW_BUILD@*/ " + json.dumps(build), text)
    sw.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
