#!/bin/sh
# Submits N extract jobs as one AWS Batch array job (AWS Batch sets
# AWS_BATCH_JOB_ARRAY_INDEX = 0..N-1 in each child; actlab reads it with
# ACTLAB_SHARD_COUNT), then one merge job that starts when all children succeed.
#   sh deploy/aws-batch/submit.sh my-queue 32 s3://my-bucket/caches/kinetics400-16x112x112
set -eu
QUEUE=${1:?job queue}
N=${2:?number of jobs (must match ACTLAB_SHARD_COUNT in the job definition or is overridden here)}
CACHE_URL=${3:?s3://bucket/prefix for the cache}
aws batch register-job-definition --cli-input-json file://deploy/aws-batch/job-definition.json > /dev/null
ARRAY_ID=$(aws batch submit-job --job-name actlab-extract --job-queue "$QUEUE" \
  --job-definition actlab-extract --array-properties size="$N" \
  --container-overrides "environment=[{name=ACTLAB_SHARD_COUNT,value=$N},{name=CACHE_URL,value=$CACHE_URL}]" \
  --query jobId --output text)
echo "array job $ARRAY_ID: $N extract jobs"
aws batch submit-job --job-name actlab-merge --job-queue "$QUEUE" --job-definition actlab-extract \
  --depends-on jobId="$ARRAY_ID" \
  --container-overrides "command=[\"actlab download $CACHE_URL /work/merge && actlab merge /work/merge --jobs $N && actlab upload /work/merge $CACHE_URL --as-is\"]" \
  --query jobId --output text
