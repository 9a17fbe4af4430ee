#!/usr/bin/env python3
"""Trunk post_build hook: allow Trunk's inline scripts under the page's Content-Security-Policy.

Trunk injects an inline `<script type="module">` into index.html to load the app's wasm. Our
CSP (a <meta> in index.html) allows only same-origin scripts, so that inline script would be
blocked. This hook computes the sha256 of every inline script in the built index.html and adds
`'sha256-…'` sources to the `script-src` directive of the CSP meta tag. No 'unsafe-inline'.

Runs in Trunk's staging dir (TRUNK_STAGING_DIR) after index.html is written; idempotent.
Usage outside Trunk: `scripts/csp-hash.py path/to/index.html`.
"""

import base64
import hashlib
import html
import os
import re
import sys

INLINE_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
CSP_META = re.compile(
    r'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")(?P<policy>[^"]*)(")', re.I
)


def add_hashes(policy: str, hashes: list[str]) -> str:
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    for i, d in enumerate(directives):
        parts = d.split()
        if parts[0] == "script-src":
            directives[i] = " ".join(parts + [h for h in hashes if h not in parts])
            break
    else:
        sys.exit("csp-hash: the CSP has no script-src directive")
    return "; ".join(directives)


def main() -> None:
    if len(sys.argv) > 1:
        path = sys.argv[1]
    else:
        path = os.path.join(os.environ["TRUNK_STAGING_DIR"], "index.html")
    with open(path, encoding="utf-8") as f:
        page = f.read()

    hashes = []
    for m in INLINE_SCRIPT.finditer(page):
        if re.search(r"\bsrc\s*=", m.group("attrs"), re.I):
            continue  # external script: covered by 'self'
        # Browsers hash the exact text between the tags, as UTF-8.
        digest = hashlib.sha256(m.group("body").encode("utf-8")).digest()
        hashes.append("'sha256-%s'" % base64.b64encode(digest).decode("ascii"))

    meta = CSP_META.search(page)
    if not meta:
        sys.exit(f"csp-hash: no Content-Security-Policy <meta> in {path}")
    policy = add_hashes(html.unescape(meta.group("policy")), hashes)
    # Written raw so that servers (scripts/serve.py, tests/browser/harness.mjs) can copy it
    # into a header verbatim; a CSP never needs these characters.
    if any(c in policy for c in '"&<>'):
        sys.exit(f"csp-hash: unexpected HTML metacharacter in the CSP: {policy}")
    page = page[: meta.start("policy")] + policy + page[meta.end("policy") :]

    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    print(f"csp-hash: {len(hashes)} inline script(s) allowed by hash in {path}")


if __name__ == "__main__":
    main()
