#!/bin/sh
# A dataset folder to S3, packed into tar shards when it is many small files (auto), resumable.
#   data-scripts/upload-dataset.sh data/ucf101/ucf101 s3://my-bucket/datasets/ucf101 [--endpoint URL] [--dry-run]
set -eu
DIR=${1:?folder}; DEST=${2:?s3://bucket/prefix}; shift 2
exec node "$(dirname "$0")/../dist/cli/main.js" upload "$DIR" "$DEST" "$@"
