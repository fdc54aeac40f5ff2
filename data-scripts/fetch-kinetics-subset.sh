#!/bin/sh
# A Kinetics subset: CSV rows fetched with yt-dlp (change FETCH_CMD to use another tool or a mirror),
# trimmed to time_start..time_end, filed as DIR/<label>/<id>_<start>_<end>.mp4.
#   data-scripts/fetch-kinetics-subset.sh data/kinetics-mini https://s3.amazonaws.com/kinetics/400/annotations/val.csv --classes "riding a bike,juggling balls" --per-class 20
set -eu
OUT=${1:?output folder}; CSV=${2:?Kinetics CSV path or URL}; shift 2
FETCH_CMD=${FETCH_CMD:-'yt-dlp -q --no-playlist -f "mp4[height<=360]/mp4" -o "{out}/%(id)s.%(ext)s" {url}'}
exec node "$(dirname "$0")/../dist/cli/main.js" fetch-dataset kinetics --out "$OUT" --csv "$CSV" --fetch-cmd "$FETCH_CMD" "$@"
