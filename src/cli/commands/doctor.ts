import { initBackend } from '../../lib/backend';
import type { CheckResult } from '../../lib/doctor';
import { diagnoseRun, RECIPE_MODELS } from '../../lib/recipes';
import { type Command, parseFlags, UsageError } from '../command';
import { positiveIntFlag } from './flags';
import { dataFlag, modelFlag, withRunErrors } from './train';

export const doctorCommand: Command = {
  name: 'doctor',
  usage: `doctor --model ${RECIPE_MODELS.join('|')} --data CACHE [--overfit-steps 80] [--json]`,
  summary:
    'check a fresh recipe model on the cache\'s train split for "it learned nothing" bugs; ' +
    'exit 1 when a check fails, 0 when none does',
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      {
        model: { type: 'string' },
        data: { type: 'string' },
        'overfit-steps': { type: 'string' },
        json: { type: 'boolean' },
      },
      'doctor',
    );
    if (positionals.length) throw new UsageError(`usage: actlab ${this.usage}`);
    const model = modelFlag('doctor', values.model);
    const data = dataFlag('doctor', values.data);
    const overfitSteps = positiveIntFlag(values['overfit-steps'], '--overfit-steps');
    await initBackend({ log: values.json ? console.error : console.log });
    // Checks train small copies for seconds each: show each verdict as it comes.
    const onCheck = values.json ? undefined : (check: CheckResult) => console.log(checkLine(check));
    const diagnosis = await withRunErrors('doctor', () => diagnoseRun({ model, data, overfitSteps, onCheck }));
    if (values.json) {
      const checks = diagnosis.checks.map(({ id, status, verdict }) => ({ id, status, verdict }));
      console.log(JSON.stringify({ ok: diagnosis.ok, checks }));
    } else {
      const failed = diagnosis.checks.filter((c) => c.status === 'fail').length;
      console.log(failed === 0 ? 'No check failed.' : `${failed} check(s) failed: fix them top to bottom.`);
    }
    return diagnosis.ok ? 0 : 1;
  },
};

const MARK: Record<CheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** `FAIL overfit-one-batch: verdict → advice` on one line. */
function checkLine(check: CheckResult): string {
  return `${MARK[check.status]} ${check.id}: ${check.verdict}${check.advice ? ` → ${check.advice}` : ''}`;
}
