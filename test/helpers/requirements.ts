/**
 * Tests that need something beyond Node (Python's Jupyter for the Colab and
 * jupyter_client checks) skip with what is missing and how to get it, except
 * under CI (CI=true), where it must be there and the test runs and fails.
 */
import { findJupyterPython, JupyterMissingError } from '../../src/lib/jupyter';

/** How to get what the Python-side tests use. */
export const JUPYTER_ENABLE =
  'sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel ' +
  '(or point ACTLAB_PYTHON at a Python that has them)';

/** The skip reason when no Python here has Jupyter (`false` when it has, and always under CI). */
export function skipWithoutJupyter(needs: string): string | false {
  if (process.env.CI === 'true') return false;
  try {
    findJupyterPython();
    return false;
  } catch (error) {
    if (!(error instanceof JupyterMissingError)) throw error;
    return `${needs} needs Jupyter for Python, which is missing here: ${JUPYTER_ENABLE}`;
  }
}
