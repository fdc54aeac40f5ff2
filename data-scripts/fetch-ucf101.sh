#!/bin/sh
# UCF101 videos + official splits into DIR (default data/ucf101). Needs unrar or bsdtar for the RAR.
# Extra flags go to `actlab fetch-dataset` (e.g. --videos-url URL --videos-sha256 HEX --delete-archives).
set -eu
OUT=${1:-data/ucf101}; [ $# -gt 0 ] && shift
exec node "$(dirname "$0")/../dist/cli/main.js" fetch-dataset ucf101 --out "$OUT" "$@"
