export {
  installKernelSpec,
  KERNEL_DISPLAY_NAME,
  KERNEL_NAME,
  kernelEnvFile,
  kernelJson,
  readKernelEnv,
  saveKernelEnv,
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
export {
  colabFiles,
  colabLinksMarkdown,
  colabSettings,
  colabUrl,
  colabVariant,
  setupCellSource,
  setupNotebook,
  writeColabFiles,
  type ColabFile,
  type ColabOptions,
  type ColabSettings,
} from './colab';
export {
  type ChapterRow,
  chapterTable,
  readChapters,
  TABLE_END,
  TABLE_START,
  writeChapterTable,
} from './chapter-table';
