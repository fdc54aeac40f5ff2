#!/usr/bin/env bash
# Dev container: Jupyter from Debian (the same packages .ci/run installs), then
# binder/postBuild builds actlab and registers its kernel. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if python3 -c 'import nbclient, nbconvert, ipykernel, notebook' 2>/dev/null; then
  echo "== Jupyter already installed"
else
  echo "== Jupyter (apt)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends \
    jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel >/dev/null
fi

bash binder/postBuild
echo "Start Jupyter: jupyter notebook --ip 0.0.0.0 --no-browser notebooks/"
