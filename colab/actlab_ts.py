"""A ``%%ts`` cell magic: run TypeScript cells in the actlab (tslab) kernel from
any Python Jupyter kernel -- Colab, Kaggle, SageMaker, a cluster's JupyterHub.

Colab and Kaggle only run Python (R, Julia) kernels; reopening a notebook that
names another kernel is fragile there. So the notebook stays Python and each
``%%ts`` cell is sent to a second kernel, started once with jupyter_client.
Its state lives across cells; its stdout/stderr, displays (HTML with the
inlined plotly bundle, PNG, GIF, updating displays) come back as this cell's
outputs; a TypeScript error becomes this cell's error; an interrupt is
forwarded; the kernel stops when this Python kernel does.

    %load_ext actlab_ts      # with colab/ on sys.path (colab/setup.ipynb does it)

    %%ts
    import { backend } from 'actlab';
    await backend.initBackend();

``%ts_restart`` starts a fresh TypeScript kernel (all its state is lost). The
kernel runs in the checkout's notebooks/ folder (``ACTLAB_TS_CWD`` picks another).
The kernel name is ``actlab`` (``ACTLAB_TS_KERNEL`` picks another); it must be
registered: ``npx actlab kernel install --user`` (colab/setup.ipynb does it).
"""

import atexit
import os
import queue
import re
import sys
import time

KERNEL_NAME = os.environ.get("ACTLAB_TS_KERNEL", "actlab")
SETUP_HINT = (
    "register it first: run colab/setup.ipynb, or `npx actlab kernel install --user` in the actlab checkout"
)


class TypeScriptError(Exception):
    """A %%ts cell failed. Subclasses are named after the TypeScript error (TypeError, ...)."""


def error_of(reply, stderr):
    """(name, message) of a failed cell; tslab reports errors on stderr, not in the reply.
    The notebook runner reads errors the same way (src/lib/jupyter/nbexec-py.ts)."""
    if reply.get("ename") not in (None, "", "<Error>"):
        return reply["ename"], reply.get("evalue", "")
    thrown = re.search(r"^((?:[A-Za-z_$][\w$]*)?(?:Error|Exception)): (.*)$", stderr, re.M)
    if thrown:
        return thrown.group(1), thrown.group(2)
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if lines and re.match(r"^\d+:\d+ - ", lines[0]):
        return "TypeScriptError", "; ".join(lines[:3])
    if lines:
        return "Error", lines[0]
    return "Error", "the TypeScript cell failed without a message"


def typescript_error(ename, evalue):
    """An exception whose class name is the TypeScript error's, so the cell shows `TypeError: ...`."""
    name = ename if re.match(r"^[A-Za-z_]\w*$", ename) else "TypeScriptError"
    return type(name, (TypeScriptError,), {})(evalue)


def kernel_cwd(metadata):
    """Where the TypeScript kernel runs: `ACTLAB_TS_CWD`, else the checkout's notebooks/ folder (from the
    kernel spec), as for the chapters themselves. Not this notebook's folder: on Colab that is /content,
    outside the checkout, where `import ... from 'actlab'` would not resolve."""
    if os.environ.get("ACTLAB_TS_CWD"):
        return os.environ["ACTLAB_TS_CWD"]
    root = (metadata or {}).get("actlab", {}).get("root")
    if root and os.path.isdir(os.path.join(root, "notebooks")):
        return os.path.join(root, "notebooks")
    return os.getcwd()


class TsKernel:
    """One tslab kernel and the relaying of its messages into the current cell."""

    def __init__(self, kernel_name=KERNEL_NAME):
        self.kernel_name = kernel_name
        self.km = None
        self.kc = None
        # Colab renders each cell's outputs in a sandbox of their own, so a chart cannot use the plotly.js
        # bundle an earlier cell loaded: there the bundle is sent again before a cell's first chart.
        self.plotly_per_cell = "google.colab" in sys.modules or os.environ.get("ACTLAB_TS_PLOTLY_PER_CELL") == "1"
        self.plotly_bundle = None
        self.plotly_in_cell = False

    def start(self):
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import NoSuchKernel

        self.km = KernelManager(kernel_name=self.kernel_name)
        try:
            cwd = kernel_cwd(self.km.kernel_spec.metadata)
            self.km.start_kernel(cwd=cwd, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        except NoSuchKernel:
            self.km = None
            raise RuntimeError(f'Jupyter has no kernel named "{self.kernel_name}": {SETUP_HINT}') from None
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=120)
        except RuntimeError:
            self.shutdown()
            raise

    def alive(self):
        return self.km is not None and self.km.is_alive()

    def shutdown(self):
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=False)
        self.km = self.kc = None

    def stop(self):
        """At exit: ends the kernel process directly (the event loop the manager uses may be gone by then)."""
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None) or getattr(self.km, "kernel", None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=3)
            except Exception:
                process.kill()
        self.km = self.kc = None

    def run(self, code):
        """Runs one cell; relays its outputs; raises a TypeScriptError when it fails."""
        if not self.alive():
            self.start()
        self.plotly_in_cell = False
        for _ in range(5):
            # stop_on_error=False: the Python kernel already stops the notebook on an error.
            msg_id = self.kc.execute(code, stop_on_error=False, allow_stdin=False)
            stderr = self._relay(msg_id)
            reply = self._reply(msg_id)
            # tslab refuses requests for 200 ms after a failed cell (its queue reset): resend.
            if reply.get("status") != "abort":
                break
            time.sleep(0.25)
        if reply.get("status") == "error":
            ename, evalue = error_of(reply, stderr)
            raise typescript_error(ename, evalue)
        if reply.get("status") == "abort":
            raise RuntimeError("the TypeScript kernel kept refusing the cell (status abort); run %ts_restart")

    def _relay(self, msg_id):
        """Copies iopub messages of the request into this cell until the kernel is idle; returns its stderr."""
        from IPython.display import clear_output, publish_display_data

        stderr = []
        interrupted = False
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                if not self.alive():
                    self.km = self.kc = None
                    raise RuntimeError("the TypeScript kernel died; the next %%ts cell starts a fresh one") from None
                continue
            except KeyboardInterrupt:
                # Forward the interrupt, then keep relaying until the kernel says it is idle.
                interrupted = True
                self.km.interrupt_kernel()
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] == "idle":
                break
            if kind == "stream":
                (sys.stderr if content["name"] == "stderr" else sys.stdout).write(content["text"])
                if content["name"] == "stderr":
                    stderr.append(content["text"])
            elif kind in ("display_data", "update_display_data", "execute_result"):
                self._display(kind, content, publish_display_data)
            elif kind == "clear_output":
                clear_output(wait=content.get("wait", False))
            elif kind == "error":
                stderr.append(f"{content.get('ename')}: {content.get('evalue')}\n")
        sys.stdout.flush()
        sys.stderr.flush()
        if interrupted:
            raise KeyboardInterrupt("the TypeScript cell was interrupted")
        return "".join(stderr)

    def _display(self, kind, content, publish_display_data):
        data = content["data"]
        if data.get("text/plain") == "[plotly.js loaded]":  # the bundle src/lib/plot/show.ts inlines
            self.plotly_bundle, self.plotly_in_cell = data, True
        elif "application/vnd.plotly.v1+json" in data and self.plotly_per_cell and not self.plotly_in_cell:
            if self.plotly_bundle is not None:
                publish_display_data(self.plotly_bundle, {})
                self.plotly_in_cell = True
        transient = content.get("transient") or {}
        try:
            from IPython import get_ipython

            # ipykernel's publisher takes transient/update, so updating displays (live charts) update in place.
            get_ipython().display_pub.publish(
                data=data,
                metadata=content.get("metadata", {}),
                transient=transient if transient.get("display_id") else None,
                update=kind == "update_display_data",
            )
        except TypeError:
            publish_display_data(data, content.get("metadata", {}))

    def _reply(self, msg_id):
        while True:
            try:
                msg = self.kc.get_shell_msg(timeout=1)
            except queue.Empty:
                if not self.alive():
                    return {"status": "error", "ename": "KernelDied", "evalue": "the TypeScript kernel died"}
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]


def _die_with_parent():
    """Runs in the kernel's process before exec (Linux): SIGTERM it when this Python kernel dies, even by SIGKILL."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


_kernel = TsKernel()


def _ts(line, cell):
    _kernel.run(cell)


def _ts_restart(line):
    _kernel.shutdown()
    _kernel.start()
    print(f'started a fresh "{_kernel.kernel_name}" kernel')


def _show_ts_error(shell, etype, value, tb, tb_offset=None):
    # The TypeScript message is the whole story: no Python traceback of this module.
    stb = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, stb)
    return stb


def load_ipython_extension(ipython):
    ipython.register_magic_function(_ts, "cell", "ts")
    ipython.register_magic_function(_ts_restart, "line", "ts_restart")
    ipython.set_custom_exc((TypeScriptError,), _show_ts_error)
    atexit.register(_kernel.stop)


def unload_ipython_extension(ipython):
    _kernel.shutdown()
