"""Gets actlab ready inside a Python notebook (Colab, Kaggle, any Jupyter):
Node >= 20, the actlab checkout, `npm ci`, the "actlab" kernel, then the
%%ts magic. Each step checks first and skips what is already there, so a
second run takes seconds. colab/setup.ipynb and the first cell of every
Colab variant (colab/notebooks/) call `ensure()`.

Downloads only what is missing: the Node.js tarball from nodejs.org, the
repository (git clone, or the GitHub archive without git), npm packages.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import urllib.request

NODE_MIN_MAJOR = 20
NODE_VERSION = "22.12.0"  # installed when the machine's Node is missing or older than NODE_MIN_MAJOR


def log(line):
    print(f"actlab setup: {line}", flush=True)


def run(cmd, cwd=None):
    """Runs a command, streaming its output; raises with the command line when it fails."""
    log("$ " + " ".join(cmd))
    # Piped and printed: output written straight to fd 1 does not reach the cell on Colab.
    with subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as child:
        for line in child.stdout:
            print(line, end="", flush=True)
    if child.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed with exit code {child.returncode} (its output is above)")


def node_major(node="node"):
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return int(out.strip().lstrip("v").split(".")[0])


def ensure_node():
    """Node >= NODE_MIN_MAJOR on PATH (this process's, so the kernel and npm see it too)."""
    major = node_major()
    if major is not None and major >= NODE_MIN_MAJOR:
        return f"Node.js v{major} at {shutil.which('node')}"
    arch = {"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    name = f"node-v{NODE_VERSION}-{sys.platform}-{arch}"
    home = os.path.join(os.path.expanduser("~"), ".actlab", name)
    if not os.path.exists(os.path.join(home, "bin", "node")):
        url = f"https://nodejs.org/dist/v{NODE_VERSION}/{name}.tar.gz"
        log(f"Node.js {'v' + str(major) if major else 'missing'}; installing v{NODE_VERSION} from {url}")
        os.makedirs(os.path.dirname(home), exist_ok=True)
        with urllib.request.urlopen(url) as response, tarfile.open(fileobj=response, mode="r|gz") as archive:
            archive.extractall(os.path.dirname(home))
    os.environ["PATH"] = os.path.join(home, "bin") + os.pathsep + os.environ["PATH"]
    return f"Node.js v{node_major()} at {shutil.which('node')} (installed by this setup)"


def ensure_packages(root):
    """`npm ci` when node_modules is missing or older than package-lock.json (it also builds dist/)."""
    lock = os.path.join(root, "package-lock.json")
    installed = os.path.join(root, "node_modules", ".package-lock.json")
    built = os.path.join(root, "dist", "lib", "index.js")
    fresh = os.path.exists(installed) and os.path.getmtime(installed) >= os.path.getmtime(lock)
    if fresh and os.path.exists(built):
        return "npm packages and dist/ already installed"
    run(["npm", "ci", "--no-audit", "--no-fund"], cwd=root)
    return "npm ci done (packages installed, library built)"


def ensure_kernel(root):
    """The "actlab" kernel, registered for this user unless Jupyter already finds one for this checkout."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec_dir = KernelSpecManager().find_kernel_specs().get("actlab")
    if spec_dir:
        with open(os.path.join(spec_dir, "kernel.json"), encoding="utf-8") as f:
            spec = json.load(f)
        argv_ok = os.path.exists(spec["argv"][0]) and os.path.exists(spec["argv"][1])
        if argv_ok and spec.get("metadata", {}).get("actlab", {}).get("root") == root:
            return f'kernel "actlab" found in {spec_dir}'
    run(["node", os.path.join(root, "dist", "cli", "main.js"), "kernel", "install", "--user"], cwd=root)
    return 'kernel "actlab" registered for this user'


def check_tools(root):
    """ffmpeg, ffprobe and the backend as `actlab env` reports them (one line each)."""
    out = subprocess.run(
        ["node", os.path.join(root, "dist", "cli", "main.js"), "env", "--json"], capture_output=True, text=True, cwd=root
    )
    try:
        report = json.loads(out.stdout)
    except ValueError:
        return [f"actlab env failed: {out.stderr.strip().splitlines()[-1:] or out.returncode}"]
    lines = []
    for tool in ("ffmpeg", "ffprobe"):
        t = report[tool]
        lines.append(f"{tool}: {t['version'] if t['found'] else 'MISSING'} ({t['detail'].splitlines()[0]})")
    b = report["backend"]
    lines.append(f"backend: {b['name']}{' on the GPU' if b['gpu'] else ''} from {b['provider']} ({b['reason']})")
    return lines


def ensure(root, checks=False, load=True):
    """Runs every step for the checkout at root, prints what it found, loads the %%ts magic."""
    found = [f"actlab checkout at {root}", ensure_node()]
    found.append(ensure_packages(root))
    found.append(ensure_kernel(root))
    if checks:
        found.extend(check_tools(root))
    colab_dir = os.path.join(root, "colab")
    if colab_dir not in sys.path:
        sys.path.insert(0, colab_dir)
    if load:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            if "actlab_ts" not in shell.extension_manager.loaded:
                shell.run_line_magic("load_ext", "actlab_ts")
            found.append("%%ts magic loaded: start a cell with %%ts to run TypeScript in the actlab kernel")
    for line in found:
        log(line)
