/**
 * What this machine offers for the tutorial: Node, the tfjs backend and why,
 * ffmpeg/ffprobe, Jupyter, CPU cores and memory.
 */
import * as os from 'node:os';

import * as tf from '@tensorflow/tfjs';

import { type BackendInfo, initBackend } from '../backend';
import { findJupyterPython } from '../jupyter/python';
import { keyValueTable, showHtml } from '../notebook/display';
import { packageVersion } from '../util/package-root';
import { locateTool, type ToolName } from '../video/ffmpeg';

export interface EnvironmentReport {
  readonly actlab: string;
  readonly node: string;
  readonly platform: string;
  readonly cpuModel: string;
  readonly cpuCores: number;
  readonly memoryTotalGiB: number;
  readonly memoryFreeGiB: number;
  readonly tfjs: string;
  readonly backend: Pick<BackendInfo, 'name' | 'reason' | 'provider' | 'native' | 'gpu' | 'kernelPacks'>;
  readonly ffmpeg: ToolReport;
  readonly ffprobe: ToolReport;
  readonly jupyter: { readonly found: boolean; readonly detail: string };
}

export interface ToolReport {
  readonly found: boolean;
  /** Path and source when found, otherwise the error saying what to do. */
  readonly detail: string;
  readonly version?: string;
}

/** Collects the report; starts the backend (quietly) if it is not started yet. */
export async function environmentReport(): Promise<EnvironmentReport> {
  const backend = await initBackend({ log: null });
  const cpus = os.cpus();
  return {
    actlab: packageVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memoryTotalGiB: round1(os.totalmem() / 2 ** 30),
    memoryFreeGiB: round1(os.freemem() / 2 ** 30),
    tfjs: tf.version.tfjs,
    backend: {
      name: backend.name,
      reason: backend.reason,
      provider: backend.provider,
      native: backend.native,
      gpu: backend.gpu,
      kernelPacks: backend.kernelPacks,
    },
    ffmpeg: toolReport('ffmpeg'),
    ffprobe: toolReport('ffprobe'),
    jupyter: jupyterReport(),
  };
}

/** The report as rows of a two-column table. */
export function reportRows(report: EnvironmentReport): Array<[string, string]> {
  const b = report.backend;
  const tool = (t: ToolReport) => (t.found ? `${t.version} — ${t.detail}` : `MISSING — ${t.detail}`);
  return [
    ['actlab', report.actlab],
    ['Node.js', `${report.node} (${report.platform})`],
    ['CPU', `${report.cpuCores} cores — ${report.cpuModel}`],
    ['Memory', `${report.memoryTotalGiB} GiB total, ${report.memoryFreeGiB} GiB free`],
    ['TensorFlow.js', report.tfjs],
    ['Backend', `${b.name}${b.gpu ? ' (GPU)' : ''} from ${b.provider} — ${b.reason}`],
    ['Kernel packs', b.kernelPacks.length > 0 ? b.kernelPacks.join(', ') : 'none'],
    ['ffmpeg', tool(report.ffmpeg)],
    ['ffprobe', tool(report.ffprobe)],
    ['Jupyter', report.jupyter.detail],
  ];
}

/** Shows the report as a table (HTML in a notebook, text in a terminal). */
export function showReport(report: EnvironmentReport): void {
  const table = keyValueTable(reportRows(report));
  showHtml(table.html, table.text);
}

function toolReport(tool: ToolName): ToolReport {
  try {
    const info = locateTool(tool);
    return { found: true, version: info.version, detail: `${info.path} (${info.source})` };
  } catch (error) {
    return { found: false, detail: (error as Error).message };
  }
}

function jupyterReport(): EnvironmentReport['jupyter'] {
  try {
    const py = findJupyterPython();
    return { found: true, detail: `nbclient ${py.nbclientVersion}, nbconvert ${py.nbconvertVersion} via ${py.python}` };
  } catch {
    // The tutorial runs without it (actlab's own Jupyter client); opening notebooks needs it.
    return {
      found: false,
      detail:
        'not found: needed only to open the notebooks interactively ' +
        '(sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient)',
    };
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
