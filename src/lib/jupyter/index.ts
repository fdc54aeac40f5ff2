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
  CellTimeoutError,
  KernelClient,
  KernelDiedError,
  OutputLimitError,
  type ExecuteOptions,
  type ExecuteReply,
  type KernelClientOptions,
} from './kernel-client';
export { type NotebookOutput } from './cell-outputs';
export { readNotebook, writeNotebook, type Notebook, type NotebookCell } from './notebook-file';
export { HTML_MIME_PRIORITY, notebookHtml, renderMimeBundle, stripAnsi, writeNotebookHtml } from './notebook-html';
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
  COLAB_LINKS_END,
  COLAB_LINKS_START,
  colabLinksMarkdown,
  writeColabSettings,
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
  readChapterTable,
  TABLE_END,
  TABLE_START,
  tableMinutes,
  writeChapterTable,
} from './chapter-table';
