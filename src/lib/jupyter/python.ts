/**
 * Finds a Python that can execute notebooks (has nbclient and nbconvert).
 * `python3` on PATH is often a pyenv/conda interpreter without Jupyter while the
 * system one has it, so several candidates are tried.
 */
import { spawnSync } from 'node:child_process';

export interface JupyterPython {
  /** The interpreter command. */
  readonly python: string;
  readonly nbclientVersion: string;
  readonly nbconvertVersion: string;
}

/** Jupyter (nbclient + nbconvert) is not importable by any candidate Python. */
export class JupyterMissingError extends Error {
  override name = 'JupyterMissingError';
}

/** How to install what the notebook runner needs, for the error and the README. */
export const JUPYTER_INSTALL_HINT = [
  'Install Jupyter, then run the command again:',
  '  Debian/Ubuntu:  sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient',
  '  pip (any OS):   python3 -m pip install jupyterlab nbclient nbconvert',
  'If Jupyter lives in another Python, point actlab at it: ACTLAB_PYTHON=/path/to/python3',
].join('\n');

const PROBE = 'import nbclient, nbconvert; print(nbclient.__version__, nbconvert.__version__)';

/** Candidate interpreters, most specific first. `ACTLAB_PYTHON`, when set, is the only one. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.ACTLAB_PYTHON) return [env.ACTLAB_PYTHON];
  const list = ['python3', '/usr/bin/python3', 'python'];
  return [...new Set(list)];
}

/** Returns the first candidate that imports nbclient and nbconvert, or throws {@link JupyterMissingError}. */
export function findJupyterPython(env: NodeJS.ProcessEnv = process.env): JupyterPython {
  const tried: string[] = [];
  for (const python of pythonCandidates(env)) {
    const probe = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', env, timeout: 30_000 });
    if (probe.status === 0) {
      const [nbclientVersion = '?', nbconvertVersion = '?'] = probe.stdout.trim().split(/\s+/);
      return { python, nbclientVersion, nbconvertVersion };
    }
    const why = probe.error ? 'not found' : lastLine(probe.stderr) || `exit ${probe.status}`;
    tried.push(`${python} (${why})`);
  }
  throw new JupyterMissingError(
    `Jupyter is not installed: no Python here can import nbclient and nbconvert (tried ${tried.join(', ')}).\n${JUPYTER_INSTALL_HINT}`,
  );
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1]?.trim() ?? '';
}
