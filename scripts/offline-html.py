#!/usr/bin/env python3
"""Write heaplens-offline.html: the whole web app in one file that works opened from disk.

Run by scripts/post-build.sh (Trunk's post_build hook) in Trunk's staging dir, after
scripts/csp-hash.py; by hand: `scripts/offline-html.py dist`. Reads the built page (index.html,
the app's wasm-bindgen glue and wasm, the worker's glue and wasm, the stylesheet, the icon and
the files index.html copies for the page, e.g. the sample dump) and writes, next to them:

- heaplens-offline.html: one page that loads nothing else. A page opened from `file://` cannot
  import modules, fetch its wasm or start a worker from a file, so everything is embedded:
  the wasm modules gzip-compressed and base64-encoded in data blocks (inflated by the browser's
  DecompressionStream), the app's glue inline in the one (hashed) module script, the worker
  started from a `blob:` URL of its glue, the copied files (the sample) served to the app's
  `fetch` from memory. Its Content-Security-Policy has no source for any request
  (default-src 'none'): no http(s), no file, no data: fetch. See docs/offline.md.
  Both builds of the analysis engine are embedded, the wasm32 one and the memory64 one
  (scripts/build-worker64.sh) that the app starts for dumps beyond a wasm32 memory, each with
  its own glue and worker `blob:` URL; from a dist/ without the memory64 build (run by hand)
  the file embeds the wasm32 one only and tells the app so.
- SHA256SUMS: `sha256sum -c` lines for the offline file and the wasm modules. The offline
  page shows its version and the SHA-256 of the wasm modules it embeds, hashed in the browser
  from the bytes it instantiates; they equal these lines and the files the hosted copy serves.

Deterministic (gzip without a timestamp), so rebuilding the same dist/ gives the same bytes;
overwrites its outputs, so it is idempotent.
"""

import base64
import gzip
import hashlib
import html
import json
import os
import re
import sys
from pathlib import Path

OUT = "heaplens-offline.html"
SUMS = "SHA256SUMS"
ROOT = Path(__file__).resolve().parent.parent
# The worker's glue and the loader web/src/engine.rs starts it through (replaced here).
WORKER_JS, WORKER_WASM, WORKER_LOADER = "worker.js", "worker_bg.wasm", "worker_loader.js"
# Copied files only the hosted, installable app uses (service worker, manifest and its icon,
# the script that registers them): a page opened from disk can use none of them.
# The memory64 worker (scripts/build-worker64.sh).
WORKER64_JS, WORKER64_WASM = "worker64.js", "worker64_bg.wasm"
HOSTED_ONLY = {WORKER_LOADER, "sw.js", "manifest.webmanifest", "install.js", "favicon.svg"}
# The engine builds: (role, worker name, glue, wasm). The worker name is the one
# web/src/ui/worker_kind.rs (`WorkerKind::worker_name`) gives each build: how the boot script
# recognises a new engine worker and which build it gets.
ENGINES = [
    ("engine", "heaplens-engine", WORKER_JS, WORKER_WASM),
    ("engine64", "heaplens-engine64", WORKER64_JS, WORKER64_WASM),
]

# The offline page's own footer (version and hashes, added by scripts/offline-boot.js).
FOOTER_CSS = """\
footer.offline-build { max-width: 72rem; margin: 2rem auto 1rem; padding: 0 1rem; font-size: 0.8rem; color: var(--muted); }
footer.offline-build summary { cursor: pointer; }
footer.offline-build dd { margin: 0 0 0.4rem 1rem; }
footer.offline-build code { font-family: var(--mono); word-break: break-all; }
footer.offline-build .mismatch { color: var(--bad); }"""

POLICY = (
    "default-src 'none'; script-src {hash} 'wasm-unsafe-eval'; worker-src blob:; "
    "img-src data: blob:; style-src 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)


def die(msg: str) -> None:
    sys.exit(f"offline-html: {msg}")


def one(pattern: str, text: str, what: str) -> str:
    found = re.findall(pattern, text, re.S)
    if len(found) != 1:
        die(f"expected one {what} in index.html, found {len(found)}")
    return found[0]


def local(name: str) -> str:
    """A file name from an href of Trunk's index.html (`/./app-1f.js`, `./x`, `x`)."""
    return re.sub(r"^/?(\./)*", "", name)


def module_to_script(glue: str) -> tuple[str, str]:
    """wasm-bindgen's `web` glue (an ES module) as the body of an inline module script.

    An inline module cannot be imported, so its `export` keywords go; returns the body and the
    local name of the default export (the init function). Imports (wasm-bindgen snippets)
    would need files of their own: refused.
    """
    if re.search(r"^\s*import\b", glue, re.M):
        die("the app's glue imports other modules (wasm-bindgen snippets): inline them first")
    m = re.search(r"^export\s*\{([^}]*)\};?\s*$", glue, re.M)
    if not m:
        die("no `export { ... }` list in the app's glue")
    default = [
        p.split(" as ")[0].strip() for p in m.group(1).split(",") if p.strip().endswith(" as default")
    ]
    if len(default) != 1:
        die("no default export (the init function) in the app's glue")
    body = glue[: m.start()] + glue[m.end() :]
    body = re.sub(r"^export\s+(?=(async\s+)?(function|class|const|let|var)\b)", "", body, flags=re.M)
    if re.search(r"^\s*export\b", body, re.M):
        die("an export form scripts/offline-html.py does not know is left in the app's glue")
    return body, default[0]


def data_block(block_id: str, payload: bytes, **attrs: str) -> str:
    """A non-executed <script> holding base64 (never contains `</script`)."""
    extra = "".join(f' data-{k}="{html.escape(v)}"' for k, v in attrs.items())
    b64 = base64.b64encode(payload).decode("ascii")
    return f'<script type="application/octet-stream" id="{block_id}"{extra}>{b64}</script>\n'


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def copied_files(staging: Path) -> list[str]:
    """The files index.html copies for the page (Trunk `copy-file`), but the hosted-only ones."""
    source = (ROOT / "index.html").read_text(encoding="utf-8")
    names = []
    for tag in re.findall(r"<link\b[^>]*\bdata-trunk\b[^>]*>", source):
        if re.search(r'\brel="copy-file"', tag):
            name = Path(one(r'\bhref="([^"]+)"', tag, "copy-file href")).name
            if name not in HOSTED_ONLY:
                if not (staging / name).is_file():
                    die(f"{name} (copy-file of index.html) is not in {staging}")
                names.append(name)
    return names


def version() -> str:
    cargo = (ROOT / "web" / "Cargo.toml").read_text(encoding="utf-8")
    return one(r'(?m)^version\s*=\s*"([^"]+)"', cargo, "web/Cargo.toml version")


def main() -> None:
    staging = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ["TRUNK_STAGING_DIR"])
    page = (staging / "index.html").read_text(encoding="utf-8")

    # Trunk's loader: `import init, * as bindings from '/./app-<hash>.js'; ...
    # init({ module_or_path: '/./app-<hash>_bg.wasm' })`.
    loader = one(r'<script type="module"[^>]*>(.*?)</script>', page, "inline module script")
    app_js = local(one(r"from\s+'([^']+\.js)'", loader, "app glue import"))
    app_wasm = local(one(r"module_or_path:\s*'([^']+\.wasm)'", loader, "app wasm"))
    css = local(one(r'<link rel="stylesheet" href="([^"]+)"', page, "stylesheet"))
    icon = local(one(r'<link rel="icon" href="([^"]+)"', page, "icon"))

    glue, init = module_to_script((staging / app_js).read_text(encoding="utf-8"))
    app_bytes = (staging / app_wasm).read_bytes()
    # The wasm32 engine is Trunk's own output; the memory64 one may be missing only when this
    # script is run by hand on a dist/ built without it (post-build.sh always builds it).
    engines = [e for e in ENGINES if e[0] == "engine" or (staging / e[3]).is_file()]
    if len(engines) < len(ENGINES):
        print(f"offline-html: no {WORKER64_WASM} in {staging}: embedding the wasm32 engine only")
    for _, _, js, wasm in engines:
        for name in (js, wasm):
            if not (staging / name).is_file():
                die(f"{name} is not in {staging}")
    engine_files = {wasm: (staging / wasm).read_bytes() for _, _, _, wasm in engines}
    stylesheet = (staging / css).read_text(encoding="utf-8")
    if "</style" in stylesheet.lower():
        die("the stylesheet contains </style")
    icon_uri = "data:image/svg+xml;base64," + base64.b64encode((staging / icon).read_bytes()).decode()

    app_sha = hashlib.sha256(app_bytes).hexdigest()
    engine_sha = {wasm: hashlib.sha256(data).hexdigest() for wasm, data in engine_files.items()}
    build = {
        "version": version(),
        "wasm": [{"file": app_wasm, "role": "app", "sha256": app_sha}]
        + [{"file": wasm, "role": role, "sha256": engine_sha[wasm]} for role, _, _, wasm in engines],
        "engines": [
            {"role": role, "name": name, "wasmBlock": f"heaplens-{role}-wasm", "jsBlock": f"heaplens-{role}-js"}
            for role, name, _, _ in engines
        ],
    }
    boot = (ROOT / "scripts" / "offline-boot.js").read_text(encoding="utf-8")
    # JSON is a JS expression; `<` escaped so it can never close the script element.
    boot = boot.replace("/*@BUILD@*/null", json.dumps(build).replace("<", "\\u003c"))
    boot = boot.replace("/*@APP_GLUE@*/", glue).replace("/*@APP_INIT@*/__wbg_init", init)
    if "</script" in boot.lower():
        die("the boot script would contain </script")
    boot_hash = "'sha256-%s'" % base64.b64encode(hashlib.sha256(boot.encode()).digest()).decode()

    blocks = [data_block("heaplens-app-wasm", gz(app_bytes))]
    for role, _, js, wasm in engines:
        blocks.append(data_block(f"heaplens-{role}-wasm", gz(engine_files[wasm])))
        blocks.append(data_block(f"heaplens-{role}-js", gz((staging / js).read_bytes())))
    for name in copied_files(staging):
        data = (staging / name).read_bytes()
        blocks.append(data_block("heaplens-file-" + re.sub(r"[^a-z0-9]", "-", name.lower()), data, name=name))

    out = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<!-- heaplens {build["version"]}, offline: the whole app in this file (scripts/offline-html.py,
     docs/offline.md). The policy below allows no request at all: nothing is loaded, nothing sent. -->
<meta http-equiv="Content-Security-Policy" content="{POLICY.format(hash=boot_hash)}" />
<meta name="referrer" content="no-referrer" />
<title>heaplens</title>
<link rel="icon" href="{icon_uri}" />
<style>
{stylesheet}
</style>
<style>
{FOOTER_CSS}
</style>
{"".join(blocks)}<script type="module">{boot}</script>
</head>
<body></body>
</html>
"""
    (staging / OUT).write_text(out, encoding="utf-8")
    sums = [(hashlib.sha256(out.encode()).hexdigest(), OUT), (app_sha, app_wasm)]
    sums += [(engine_sha[wasm], wasm) for _, _, _, wasm in engines]
    (staging / SUMS).write_text("".join(f"{h}  {n}\n" for h, n in sums), encoding="ascii")
    print(f"offline-html: {OUT}, {len(out.encode()):,} bytes (sha256 {sums[0][0]})")


if __name__ == "__main__":
    main()
