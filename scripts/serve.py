#!/usr/bin/env python3
"""Serve a built heaplens (dist/) locally, with the page's Content-Security-Policy as a header.

Why not `python3 -m http.server`: it sends no CSP header (the header adds `frame-ancestors`,
which a <meta> cannot carry, and covers every file), and older Pythons serve .wasm with a wrong
MIME type, which makes browsers fall back to slower wasm compilation with a console warning.
(The analysis worker does not depend on the header: it starts from a blob: URL and inherits
the page's <meta> policy; docs/hosting.md says what other hosts need.)

The policy is read from the CSP <meta> of dist/index.html (written there by scripts/csp-hash.py
at build time), so page and header can never disagree; `frame-ancestors` is added because it
only works as a header.

Usage: scripts/serve.py [--dir dist] [--host 127.0.0.1] [--port 8080]
"""

import argparse
import functools
import html
import http.server
import os
import re
import sys

CSP_META = re.compile(r'<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"', re.I)


def policy_of(dist: str) -> str:
    with open(os.path.join(dist, "index.html"), encoding="utf-8") as f:
        m = CSP_META.search(f.read())
    if not m:
        sys.exit(f"serve: no Content-Security-Policy <meta> in {dist}/index.html")
    return html.unescape(m.group(1)) + "; frame-ancestors 'none'"


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".html": "text/html; charset=utf-8",
        ".json": "application/json",
        ".svg": "image/svg+xml",
    }

    def end_headers(self) -> None:
        # Re-read per request: cheap, and a rebuild of dist/ needs no server restart.
        self.send_header("Content-Security-Policy", policy_of(self.directory))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        # Always revalidate: file names of the worker are not hashed.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, fmt: str, *args) -> None:
        if os.environ.get("SERVE_QUIET") != "1":
            super().log_message(fmt, *args)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="dist")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    args = ap.parse_args()
    dist = os.path.abspath(args.dir)
    policy_of(dist)  # fail early if dist/ is not a heaplens build
    handler = functools.partial(Handler, directory=dist)
    with http.server.ThreadingHTTPServer((args.host, args.port), handler) as server:
        print(f"heaplens: serving {dist} at http://{args.host}:{args.port}/  (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
