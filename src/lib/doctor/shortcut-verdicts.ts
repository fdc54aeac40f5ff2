/**
 * The verdicts of the shortcut checks: status, wording and advice from two
 * scores of a trained model, intact and altered. Pure, so the rules can be
 * read and tested on counts.
 *
 * The rules, with c = 1/C chance and Wilson 95% intervals (on 96 clips of 8
 * classes, "beats chance" needs 19 correct, "above 2× chance" 33):
 * - the intact accuracy must beat chance (its lower bound above c), else
 *   every check is `info`: a model that learned nothing has no shortcut to find;
 * - retained = (altered − c) / (intact − c): the share of what it learned above
 *   chance that survives the alteration (1 = all of it, 0 = down to chance);
 * - "scores as well as intact": retained ≥ 0.75 and the altered interval
 *   reaches the intact one (the drop is small and not clear at 95%).
 */
import { wilsonInterval } from '../eval/metrics';
import { type CheckResult, pct } from './check';

export const SHORTCUT_CHECK_IDS = ['order', 'one-frame', 'background'] as const;
export type ShortcutCheckId = (typeof SHORTCUT_CHECK_IDS)[number];

/** `info`: nothing to fix, the result is explained (a frame model ignores order by design) or says nothing. */
export type ShortcutStatus = 'pass' | 'warn' | 'fail' | 'info';

/** Top-1 accuracy on a set of clips, with its count and 95% Wilson interval. */
export interface Score {
  readonly correct: number;
  readonly n: number;
  readonly accuracy: number;
  readonly ci: readonly [number, number];
}

export interface ShortcutCheckResult {
  readonly id: ShortcutCheckId;
  readonly title: string;
  readonly status: ShortcutStatus;
  /** What was found, with both accuracies, their counts and intervals. */
  readonly verdict: string;
  /** What to do about it (empty when it passed). */
  readonly advice: string;
  /** The model on the clips as they are. */
  readonly intact: Score;
  /** The model on the altered clips. */
  readonly altered: Score;
  /** chance, retained, clearlyLower, model ('clip' | 'frame'), alteration. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** "Scores as well as intact": at least this share of the intact accuracy above chance survives. */
const KEEPS_ALL = 0.75;
/** "Keeps most of it". */
const KEEPS_MOST = 0.5;
/** The background check fails outright when, with the person hidden, the lower bound is above this many times chance. */
const BACKGROUND_FAIL_TIMES_CHANCE = 2;

/** A {@link Score} from a count. */
export function scoreOf(correct: number, n: number): Score {
  return { correct, n, accuracy: n > 0 ? correct / n : NaN, ci: wilsonInterval(correct, n) };
}

/** What every verdict needs to know about the model and the classes. */
export interface VerdictContext {
  readonly chance: number;
  readonly chanceText: string;
  readonly frameModel: boolean;
}

const TITLES: Record<ShortcutCheckId, string> = {
  order: 'Uses the order of the frames (motion)',
  'one-frame': 'Needs more than one frame',
  background: 'Looks at the person, not the scene',
};

/** Status, verdict and advice of check `id` from the two scores; pure, so the rules can be tested on counts. */
export function judge(
  id: ShortcutCheckId,
  plan: { readonly name: string; readonly label: string },
  intact: Score,
  altered: Score,
  ctx: VerdictContext,
): ShortcutCheckResult {
  const c = ctx.chance;
  const retained = (altered.accuracy - c) / (intact.accuracy - c);
  const clearlyLower = altered.ci[1] < intact.ci[0];
  const evidence: Evidence = {
    alteration: plan.name,
    altered,
    chance: c,
    frameModel: ctx.frameModel,
    retained,
    beatsChance: altered.ci[0] > c,
    asGood: retained >= KEEPS_ALL && !clearlyLower,
  };
  const [status, verdict, advice = ''] = !(intact.ci[0] > c) ? NOTHING_LEARNED : FINDINGS[id](evidence);
  const measured = `Accuracy intact ${scoreText(intact)} vs ${plan.label} ${scoreText(altered)}; ${ctx.chanceText}.`;
  return {
    id,
    title: TITLES[id],
    status,
    verdict: `${verdict} ${measured}`,
    advice: status === 'pass' ? '' : advice,
    intact,
    altered,
    details: {
      chance: c,
      retained,
      clearlyLower,
      model: ctx.frameModel ? 'frame' : 'clip',
      alteration: plan.name,
    },
  };
}

/** What a check found, before the scores are added to the verdict: status, verdict and advice. */
type Finding = readonly [status: ShortcutStatus, verdict: string, advice?: string];

/** What the rules read: the altered score against chance and against the intact one. */
interface Evidence {
  /** The alteration's name (`reversed`, `shuffled`, `centre-box`, …). */
  readonly alteration: string;
  readonly altered: Score;
  readonly chance: number;
  readonly frameModel: boolean;
  /** The share of the intact accuracy above chance that survives the alteration. */
  readonly retained: number;
  /** The altered accuracy's lower bound is above chance. */
  readonly beatsChance: boolean;
  /** "Scores as well as intact". */
  readonly asGood: boolean;
}

const NOTHING_LEARNED: Finding = [
  'info',
  'The model does not beat chance on intact clips, so there is no shortcut to look for.',
  'Train it until it clearly beats chance first; if it will not, run "actlab doctor --model M --data CACHE" on a fresh model.',
];

const FINDINGS: Record<ShortcutCheckId, (e: Evidence) => Finding> = {
  order: orderFinding,
  'one-frame': oneFrameFinding,
  background: backgroundFinding,
};

function orderFinding({ frameModel, asGood, alteration }: Evidence): Finding {
  if (frameModel) {
    return [
      'info',
      'A frame model classifies each frame alone and averages the guesses, so frame order cannot matter to it: ' +
        'it reads appearance, never motion.',
      'To tell actions apart by how things move, train a clip model (c3d, resnext3d).',
    ];
  }
  if (asGood) {
    const how = alteration === 'reversed' ? 'Playing the clips backwards' : 'Shuffling the frames of each clip';
    return [
      'warn',
      `${how} barely changes the accuracy: the model does not use the order of the frames, so it ignores motion.`,
      'Fine if the classes differ by pose or objects; if they differ by movement (sit down vs stand up), the model ' +
        'is guessing from appearance: see the one-frame and background checks, and evaluate on clips where the ' +
        'scene does not give the class away.',
    ];
  }
  return ['pass', 'Breaking the frame order lowers the accuracy: the model uses motion.'];
}

function oneFrameFinding({ frameModel, asGood, beatsChance, retained }: Evidence): Finding {
  if (frameModel) {
    return [
      'info',
      'A frame model reads one frame at a time by design, so one frame repeated scores like the whole clip.',
      'To use movement, train a clip model (c3d, resnext3d).',
    ];
  }
  if (asGood && beatsChance) {
    return [
      'fail',
      'One frame repeated scores as well as the whole clip: the model reads the class from a single picture ' +
        '(how the person or the place looks), not from the movement.',
      'Look at the background check; evaluate on clips whose scenes do not match their action; ' +
        'augment (crops, colour jitter) or add clips where the same scene shows different actions.',
    ];
  }
  if (retained >= KEEPS_MOST && beatsChance) {
    return [
      'warn',
      'One frame repeated keeps most of the accuracy: much of the class is read from a single picture, and the ' +
        'movement adds little.',
      'Fine if the classes differ by pose; otherwise see the background check and train on more varied scenes.',
    ];
  }
  return ['pass', 'One frame repeated loses most of the accuracy: the model needs the movement across frames.'];
}

function backgroundFinding({ alteration, altered, chance, beatsChance, retained }: Evidence): Finding {
  const how =
    alteration === 'centre-box'
      ? ' There are no person masks for these clips, so the middle half of each frame was covered instead ' +
        '(a box of the average colour): a rough stand-in for hiding the person.'
      : '';
  if (beatsChance && (altered.ci[0] > BACKGROUND_FAIL_TIMES_CHANCE * chance || retained >= KEEPS_MOST)) {
    return [
      'fail',
      `Hiding the person changes little: the model uses the background (it recognises the place, not the action).${how}`,
      'Evaluate on clips of each action in other scenes (the swapped split); train on scenes shared by ' +
        'several actions, or crop around the person.',
    ];
  }
  if (beatsChance) {
    return [
      'warn',
      `With the person hidden the model still beats chance: it partly uses the background.${how}`,
      'Check the swapped split (actions in other scenes) and the confusions: classes filmed in the same places ' +
        'should be the ones it mixes up.',
    ];
  }
  return [
    'pass',
    `Hiding the person drops the accuracy to chance: the model looks at the person, not the scene.${how}`,
  ];
}

/** `85% (82/96; 95% CI 77–91%)`. */
function scoreText(s: Score): string {
  return `${pct(s.accuracy)} (${s.correct}/${s.n}; 95% CI ${Math.round(s.ci[0] * 100)}–${pct(s.ci[1])})`;
}

const MARK: Readonly<Record<CheckResult['status'] | ShortcutStatus, string>> = {
  pass: 'PASS',
  warn: 'WARN',
  fail: 'FAIL',
  skip: 'skip',
  info: 'INFO',
};

/** `FAIL background: verdict → advice` on one line, as `actlab doctor` prints each check. */
export function checkLine(check: CheckResult | ShortcutCheckResult): string {
  return `${MARK[check.status]} ${check.id}: ${check.verdict}${check.advice ? ` → ${check.advice}` : ''}`;
}
