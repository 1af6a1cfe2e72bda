#!/usr/bin/env bash
# The scanner of another git revision on the benchmark's image set, for a before/after
# table in the same run: exports REV's tree (git archive, no checkout of this worktree),
# builds its `kkm-scan` CLI in release (own target dir under this repository's target/,
# so the dependencies are built once) and runs it over DIR's PNGs, DataMatrix only,
# normal effort. Prints the CLI's per-image lines: path, symbology or NONE, in-process
# scan time, AIM id, text.
#
#   bench/baseline.sh main /tmp/kkm-scan-bench-20250801/marks
set -euo pipefail
rev=$1
set_dir=$2
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
git -C "$root" archive "$rev" | tar -x -C "$src"
target=${CARGO_TARGET_DIR:-$root/target}/baseline
features=()
# Revisions after the `cli` feature was introduced need it for the binary.
if grep -q '^cli = ' "$src/rust/kkm-scan/Cargo.toml"; then features=(--features cli); fi
CARGO_TARGET_DIR=$target cargo build --quiet --release --manifest-path "$src/Cargo.toml" \
  -p kkm-scan --bin kkm-scan "${features[@]}" >&2
"$target/release/kkm-scan" --formats dm --effort normal "$set_dir"
