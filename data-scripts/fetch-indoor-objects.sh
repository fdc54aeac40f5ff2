#!/bin/sh
# An indoor-object image set from Mendeley Data: pass the page's "Download All" zip link.
#   data-scripts/fetch-indoor-objects.sh data/indoor 'https://data.mendeley.com/.../download' [--images-sha256 HEX]
set -eu
OUT=${1:?output folder}; URL=${2:?zip URL (Mendeley "Download All" link)}; shift 2
exec node "$(dirname "$0")/../dist/cli/main.js" fetch-dataset indoor-objects --out "$OUT" --images-url "$URL" "$@"
