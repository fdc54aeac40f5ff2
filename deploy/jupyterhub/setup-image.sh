#!/usr/bin/env bash
# Makes a machine (the JupyterHub single-user image, or CI's clean machine) ready
# for a course: Node >= 20, actlab installed and built (native kernels when
# oneDNN can be installed), the "actlab" kernel registered with this machine's
# Jupyter, and the student copy of the course released into a folder whose
# node_modules is actlab's (so its notebooks' imports resolve).
#
#   deploy/jupyterhub/setup-image.sh [--course-dir DIR] [--jupyter-prefix DIR] [--owner UID]
#
# --course-dir      where the student copy goes (default /srv/actlab-course)
# --jupyter-prefix  sys.prefix of the Jupyter that should list the kernel
#                   (default: the prefix of `jupyter` on PATH, else /usr/local)
# --owner UID       chown the course and actlab's out/ to UID (the image's NB_UID)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
course_dir=/srv/actlab-course
jupyter_prefix=
owner=
while [ $# -gt 0 ]; do
  case "$1" in
    --course-dir) course_dir=$2; shift 2 ;;
    --jupyter-prefix) jupyter_prefix=$2; shift 2 ;;
    --owner) owner=$2; shift 2 ;;
    *) echo "setup-image.sh: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

echo "== Node (20 or newer)"
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  if command -v mamba >/dev/null 2>&1; then
    mamba install --yes --quiet -c conda-forge 'nodejs>=22,<25' # the Jupyter docker-stacks images have mamba
  else
    echo "setup-image.sh: Node 20 or newer is needed and no mamba was found to install it; install Node first" >&2
    exit 1
  fi
fi
node --version

echo "== system packages for the native oneDNN kernels (optional: without them training uses wasm)"
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1; }; then
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends libdnnl-dev g++ make python3 >/dev/null ||
    echo "setup-image.sh: oneDNN could not be installed; training will use the wasm kernels" >&2
fi

echo "== actlab: npm ci (builds the library and, when it can, the native kernels)"
cd "$root"
npm ci --no-audit --no-fund

echo "== the actlab kernel, for the Jupyter of this machine"
if [ -z "$jupyter_prefix" ]; then
  if command -v jupyter >/dev/null 2>&1; then
    jupyter_prefix=$(dirname "$(dirname "$(command -v jupyter)")")
  else
    jupyter_prefix=/usr/local
  fi
fi
node dist/cli/main.js kernel install --prefix "$jupyter_prefix"

echo "== the student copy of the course"
node dist/cli/main.js course release --out "$course_dir"
# The notebooks' imports ('actlab', '@tensorflow/tfjs') resolve through node_modules above them: actlab's own.
ln -sfn "$root/node_modules" "$course_dir/node_modules"
mkdir -p "$root/out"
if [ -n "$owner" ]; then
  chown -R "$owner" "$course_dir" "$root/out" # caches of the bundled data are written on first use
fi
echo "setup-image.sh: done; the course is in $course_dir, the kernel under $jupyter_prefix/share/jupyter/kernels/actlab"
