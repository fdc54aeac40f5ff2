#!/bin/sh
# HMDB51 videos (a RAR of per-class RARs) + the official splits into DIR (default data/hmdb51).
# Needs unrar or bsdtar. Split 1 becomes DIR/hmdb51/manifest.json, read by the folder layout.
set -eu
OUT=${1:-data/hmdb51}; [ $# -gt 0 ] && shift
exec node "$(dirname "$0")/../dist/cli/main.js" fetch-dataset hmdb51 --out "$OUT" "$@"
