export {
  installKernelSpec,
  KERNEL_DISPLAY_NAME,
  KERNEL_NAME,
  kernelJson,
  localJupyterPath,
  userJupyterPath,
  withJupyterPath,
  type InstalledKernelSpec,
  type KernelJson,
  type KernelSpecOptions,
} from './kernelspec';
export {
  findJupyterPython,
  JUPYTER_INSTALL_HINT,
  JupyterMissingError,
  pythonCandidates,
  type JupyterPython,
} from './python';
export {
  listNotebooks,
  NOTEBOOK_PATTERN,
  NotebookFailedError,
  NotebookInterruptedError,
  runNotebooks,
  type NotebookResult,
  type RunNotebooksOptions,
  type RunnerEvent,
} from './runner';
