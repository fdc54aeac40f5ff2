/**
 * The Python side of the notebook runner, passed to `python -c`: executes one
 * notebook with nbclient, reports progress as JSON lines on stdout, and always
 * writes the executed .ipynb and its .html (also when a cell fails, so the
 * error can be read in context).
 *
 * argv: source.ipynb out.ipynb out.html kernel_name cell_timeout_s cwd
 */
export const NBEXEC_PY = String.raw`
import json, re, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

src, out_ipynb, out_html, kernel_name, timeout, cwd = sys.argv[1:7]

def emit(event, **fields):
    fields["event"] = event
    sys.stdout.write("ACTLAB-NB " + json.dumps(fields) + "\n")
    sys.stdout.flush()

nb = nbformat.read(src, as_version=4)
code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
state = {"index": None, "started": time.time()}

def cell_position(index):
    return code_cells.index(index) + 1 if index in code_cells else None

def on_cell_start(cell=None, cell_index=None, **_):
    if cell.cell_type != "code":
        return
    state["index"] = cell_index
    state["started"] = time.time()
    emit("cell_start", index=cell_index, id=cell.get("id"), position=cell_position(cell_index), of=len(code_cells))

def on_cell_executed(cell=None, cell_index=None, execute_reply=None, **_):
    status = (execute_reply or {}).get("content", {}).get("status", "ok")
    emit("cell_done", index=cell_index, id=cell.get("id"), status=status, seconds=round(time.time() - state["started"], 3))

client = NotebookClient(
    nb,
    kernel_name=kernel_name,
    timeout=int(timeout),
    startup_timeout=120,
    resources={"metadata": {"path": cwd}},
    on_cell_start=on_cell_start,
    on_cell_executed=on_cell_executed,
)

def error_of(cell):
    """(name, message) of the error a failed cell shows; tslab reports errors on stderr."""
    outputs = cell.get("outputs", [])
    for out in outputs:
        if out.get("output_type") == "error" and out.get("ename") not in (None, "", "<Error>"):
            return out.get("ename"), out.get("evalue", "")
    stderr = "".join("".join(o.get("text", "")) for o in outputs if o.get("name") == "stderr")
    thrown = re.search(r"^((?:[A-Za-z_$][\w$]*)?(?:Error|Exception)): (.*)$", stderr, re.M)
    if thrown:
        return thrown.group(1), thrown.group(2)
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if lines and re.match(r"^\d+:\d+ - ", lines[0]):
        return "TypeScript", "; ".join(lines[:3])
    if lines:
        return "Error", lines[0]
    return None, None

failure = None
emit("notebook_start", cells=len(code_cells))
try:
    client.execute()
except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
    index = state["index"]
    cell = nb.cells[index] if index is not None else {}
    ename, evalue = error_of(cell)
    if ename is None:
        ename, evalue = type(err).__name__, str(err).strip().splitlines()[-1] if str(err).strip() else ""
    source = cell.get("source", "")
    failure = dict(index=index, id=cell.get("id"), position=cell_position(index), ename=ename, evalue=evalue,
                   source=source if isinstance(source, str) else "".join(source))

nbformat.write(nb, out_ipynb)
body, _ = HTMLExporter().from_notebook_node(nb)
with open(out_html, "w", encoding="utf-8") as f:
    f.write(body)

if failure:
    emit("failed", **failure)
    sys.exit(1)
emit("notebook_done")
`;
