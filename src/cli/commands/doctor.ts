import { initBackend } from '../../lib/backend';
import type { Split } from '../../lib/data';
import { type CheckResult, checkLine, type ShortcutCheckResult } from '../../lib/doctor';
import { checkRunInput, diagnoseRun, diagnoseTrainedRun, RECIPE_MODELS } from '../../lib/recipes';
import { type Command, parseFlags, UsageError } from '../command';
import { positiveIntFlag } from './flags';
import { dataFlag, modelFlag, withRunErrors, withRunErrorsSync } from './train';

/** Splits the shortcut checks may score: never train, which the model has seen. */
const SHORTCUT_SPLITS: readonly Split[] = ['test', 'swapped', 'val'];

export const doctorCommand: Command = {
  name: 'doctor',
  usage:
    `doctor --model ${RECIPE_MODELS.join('|')} --data CACHE [--overfit-steps 80] [--json]` +
    ` | doctor RUN [--split ${SHORTCUT_SPLITS.join('|')}] [--json]`,
  summary:
    'with --model: check a fresh recipe model on the cache\'s train split for "it learned nothing" bugs; ' +
    'with a trained RUN folder: check it learned the action, not a shortcut (frames shuffled, one frame, ' +
    'person hidden); exit 1 when a check fails, 0 when none does',
  help: [
    'With --model: a fresh recipe model on the cache\'s train split, for "it learned nothing" bugs:',
    '  input statistics, identical frames, label balance, first loss near ln(classes), overfitting one',
    '  batch (--overfit-steps, default 80), a shuffled-label control, a learning-rate range test.',
    'With a RUN folder: a trained run, for "it learned the wrong thing": its accuracy with the frames',
    '  shuffled, with one frame repeated, with the person hidden under its mask (or the centre covered),',
    '  on --split (default test).',
    'Exit 1 when a check fails, 0 when none does; --json prints one JSON line.',
    'Example: actlab doctor runs/c3d   (or: actlab doctor --model c3d --data cache)',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      {
        model: { type: 'string' },
        data: { type: 'string' },
        'overfit-steps': { type: 'string' },
        split: { type: 'string' },
        json: { type: 'boolean' },
      },
      'doctor',
    );
    if (positionals.length === 1) {
      if (values.model !== undefined || values.data !== undefined || values['overfit-steps'] !== undefined) {
        throw new UsageError(
          `doctor: a RUN folder takes only --split and --json (--model, --data and --overfit-steps check a fresh model); usage: actlab ${this.usage}`,
        );
      }
      return doctorRun(positionals[0] as string, values.split, values.json === true);
    }
    if (positionals.length) throw new UsageError(`usage: actlab ${this.usage}`);
    if (values.split !== undefined) {
      throw new UsageError(`doctor: --split goes with a trained RUN folder (actlab doctor RUN --split test)`);
    }
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

/** `actlab doctor RUN`: the shortcut checks on a trained run; exit 1 when one fails. */
async function doctorRun(run: string, splitFlag: string | undefined, json: boolean): Promise<number> {
  const split = splitFlag ?? 'test';
  if (!(SHORTCUT_SPLITS as readonly string[]).includes(split)) {
    throw new UsageError(`doctor: --split must be one of ${SHORTCUT_SPLITS.join(', ')}, got "${split}"`);
  }
  const options = { split: split as Split };
  // The run, its cache and the split are checked from their JSON files before the backend starts.
  withRunErrorsSync('doctor', () => checkRunInput(run, options));
  await initBackend({ log: json ? console.error : console.log });
  const onCheck = json ? undefined : (check: ShortcutCheckResult) => console.log(checkLine(check));
  const checks = await withRunErrors('doctor', () => diagnoseTrainedRun(run, { ...options, onCheck }));
  const failed = checks.filter((c) => c.status === 'fail').length;
  if (json) {
    const rows = checks.map(({ id, status, verdict, intact, altered }) => ({ id, status, verdict, intact, altered }));
    console.log(JSON.stringify({ ok: failed === 0, checks: rows }));
  } else {
    console.log(failed === 0 ? 'No check failed.' : `${failed} check(s) failed: the model learned a shortcut.`);
  }
  return failed === 0 ? 0 : 1;
}
