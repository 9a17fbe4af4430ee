#!/usr/bin/env bash
# Release artifacts, in target/release-artifacts/ (what .github/workflows/release.yml publishes):
#   heaplens-offline-<version>.html     the app in one file (opens from disk; docs/offline.md)
#   heaplens-web-<version>.tar.gz       dist/ for hosting (docs/hosting.md): page, workers, wasm,
#                                       service worker and manifest
#   heaplens-<version>-<target>         the native CLI (for CI and dumps too big for a tab)
#   SHA256SUMS                          `sha256sum -c SHA256SUMS` lines for all of the above, plus
#                                       the two wasm modules the offline page shows the hashes of
# Builds what is missing (setup, trunk build --release, cargo build --release); does not run the
# tests: the workflow runs scripts/test.sh first. Deterministic archive (sorted, fixed mtime and
# owner), so the same dist/ gives the same tarball.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version="$(awk -F'"' '/^version *=/ { print $2; exit }' web/Cargo.toml)"
target="$(rustc -vV | awk '/^host:/ { print $2 }')"
out="$ROOT/target/release-artifacts"

phase "setup"
"$ROOT/scripts/setup.sh"

phase "web: trunk build --release"
trunk build --release

phase "cli: cargo build --release"
cargo build --release -p heaplens-cli

phase "package"
rm -rf "$out"
mkdir -p "$out"
cp dist/heaplens-offline.html "$out/heaplens-offline-$version.html"
tar --sort=name --mtime='2000-01-01 00:00Z' --owner=0 --group=0 --numeric-owner \
  -C dist -cf - . | gzip -9n >"$out/heaplens-web-$version.tar.gz"
# The release profile keeps debug info (for profiling); users get the binary without it.
if command -v strip >/dev/null; then
  strip --strip-debug -o "$out/heaplens-$version-$target" target/release/heaplens
else
  cp target/release/heaplens "$out/heaplens-$version-$target"
fi
(
  cd "$out"
  sha256sum -- * >SHA256SUMS
  # The wasm modules, whose hashes the offline page's footer shows (from dist/SHA256SUMS).
  grep -v 'heaplens-offline.html$' "$ROOT/dist/SHA256SUMS" >>SHA256SUMS
)
phase_summary
log "artifacts in $out:"
ls -l "$out" >&2
