/**
 * The actions as joint-angle cycles: each maps a phase in [0, 1) to a pose.
 * Walk, run, bend and jump are seen from the side, where knees and hips read
 * best; clap, jack and the waves from the front. Four more (box, kick, skip,
 * squat, all from the side) are held out of the bundled set for chapter 11.
 */

export type View = 'side' | 'front';

/**
 * Angles of one limb in the image plane, radians from straight down; positive
 * is forward (side view) or away from the body's midline (front view).
 */
export interface LimbAngles {
  readonly upper: number;
  readonly lower: number;
  /** Drawn length of the lower segment as a fraction of its length: < 1 when it points at the camera. @default 1 */
  readonly lowerReach?: number;
}

export interface Pose {
  /** Torso tilt from upright, radians, positive forward (side view). */
  readonly lean: number;
  /** Height of the lowest point of the body above the ground, in figure heights. */
  readonly lift: number;
  /** Side view: [near, far]; front view: [the figure's right, its left]. */
  readonly arms: readonly [LimbAngles, LimbAngles];
  readonly legs: readonly [LimbAngles, LimbAngles];
}

export interface ActionCycle {
  readonly view: View;
  /** Cycles per second at tempo 1 (clips play at 8 fps). */
  readonly rate: number;
  /** World travel in figure heights per cycle, in the facing direction; 0 for actions in place. */
  readonly stride: number;
  pose(phase: number): Pose;
}

/** Frames per second the cycle rates refer to. */
export const CLIP_FPS = 8;

const TAU = 2 * Math.PI;
const DEG = Math.PI / 180;

/** One limb's angles. */
function limb(upper: number, lower: number, lowerReach?: number): LimbAngles {
  return lowerReach === undefined ? { upper, lower } : { upper, lower, lowerReach };
}

/** 0 → 1 → 0 over a cycle, easing in and out. */
function wave01(phase: number): number {
  return (1 - Math.cos(TAU * phase)) / 2;
}

/** Cosine ease between 0 and 1 for t in [0, 1]. */
function ease(t: number): number {
  const c = Math.min(1, Math.max(0, t));
  return (1 - Math.cos(Math.PI * c)) / 2;
}

/**
 * Piecewise cosine interpolation through keys `[phase, ...values]`, cyclic
 * over [0, 1); the first key must be at phase 0.
 */
function keyframes(keys: readonly (readonly number[])[], phase: number): number[] {
  const p = phase - Math.floor(phase);
  for (let k = 0; k < keys.length; k++) {
    const a = keys[k] as readonly number[];
    const b = (keys[k + 1] ?? [1, ...(keys[0] as readonly number[]).slice(1)]) as readonly number[];
    const pa = a[0] as number;
    const pb = b[0] as number;
    if (p >= pa && p < pb) {
      const t = ease((p - pa) / (pb - pa));
      return a.slice(1).map((v, i) => v + ((b[i + 1] as number) - v) * t);
    }
  }
  return (keys[0] as readonly number[]).slice(1);
}

function legForWalk(s: number): LimbAngles {
  const thigh = 24 * DEG * Math.sin(s);
  // The knee bends most early in the swing, when the thigh comes forward.
  const knee = 5 * DEG + 60 * DEG * Math.max(0, Math.cos(s + 0.3)) ** 2;
  return limb(thigh, thigh - knee);
}

function walk(phase: number): Pose {
  const s = TAU * phase;
  const arm = (x: number): LimbAngles => {
    const upper = -26 * DEG * Math.sin(x);
    return limb(upper, upper + 20 * DEG + 10 * DEG * Math.max(0, -Math.sin(x)));
  };
  return {
    lean: 4 * DEG,
    lift: 0,
    arms: [arm(s), arm(s + Math.PI)],
    legs: [legForWalk(s), legForWalk(s + Math.PI)],
  };
}

function run(phase: number): Pose {
  const s = TAU * phase;
  const leg = (x: number): LimbAngles => {
    const thigh = 12 * DEG + 40 * DEG * Math.sin(x);
    // The swinging leg tucks its heel up high behind.
    const knee = 18 * DEG + 100 * DEG * Math.max(0, Math.cos(x + 0.5)) ** 1.5;
    return limb(thigh, thigh - knee);
  };
  const arm = (x: number): LimbAngles => {
    const upper = -40 * DEG * Math.sin(x) + 5 * DEG;
    return limb(upper, upper + 95 * DEG);
  };
  return {
    lean: 14 * DEG,
    lift: 0.025 * Math.max(0, Math.cos(2 * s + 0.6)),
    arms: [arm(s), arm(s + Math.PI)],
    legs: [leg(s), leg(s + Math.PI)],
  };
}

/** Down at the hips to the feet, a moment at the bottom, back up, a moment upright. */
function bend(phase: number): Pose {
  const [depth] = keyframes(
    [
      [0, 0],
      [0.08, 0],
      [0.42, 1],
      [0.58, 1],
      [0.92, 0],
    ],
    phase,
  ) as [number];
  const thigh = 16 * DEG * depth;
  const knee = 28 * DEG * depth;
  // Hands hang and reach back towards the feet as the trunk tips over.
  const upper = -24 * DEG * depth + 4 * DEG;
  const arms = limb(upper, upper - 6 * DEG * depth + 6 * DEG);
  return {
    lean: 100 * DEG * depth,
    lift: 0,
    arms: [arms, limb(upper + 6 * DEG, arms.lower + 6 * DEG)],
    legs: [limb(thigh, thigh - knee), limb(thigh + 5 * DEG, thigh - knee + 5 * DEG)],
  };
}

/** A standing jump: crouch with arms back, swing the arms up and take off, fly, land in a crouch, stand. */
function jump(phase: number): Pose {
  // [phase, crouch 0..1, arm angle (deg), lift (figure heights)]
  const [crouch, armDeg, lift] = keyframes(
    [
      [0, 0.05, 5, 0],
      [0.22, 1, -55, 0],
      [0.36, 0, 150, 0],
      [0.52, 0.35, 165, 0.16],
      [0.68, 0.15, 70, 0],
      [0.82, 0.75, 10, 0],
    ],
    phase,
  ) as [number, number, number];
  const thigh = 70 * DEG * crouch;
  const knee = 120 * DEG * crouch;
  const arm = armDeg * DEG;
  return {
    lean: 8 * DEG + 38 * DEG * crouch,
    lift,
    arms: [limb(arm, arm + 20 * DEG), limb(arm + 8 * DEG, arm + 28 * DEG)],
    legs: [limb(thigh, thigh - knee), limb(thigh + 6 * DEG, thigh - knee + 4 * DEG)],
  };
}

/** Jumping jack: arms from the sides to overhead while the feet hop apart, and back. */
function jack(phase: number): Pose {
  const open = wave01(phase);
  const upper = 12 * DEG + 148 * DEG * open;
  const arm = limb(upper, upper + 12 * DEG * open + 4 * DEG);
  const thigh = 3 * DEG + 19 * DEG * open;
  const leg = limb(thigh, thigh - 2 * DEG);
  return { lean: 0, lift: 0.035 * Math.abs(Math.sin(TAU * phase)), arms: [arm, arm], legs: [leg, leg] };
}

const STAND_LEG = limb(4 * DEG, 3 * DEG);
const HANG_ARM = limb(9 * DEG, 5 * DEG);

/** A hand waving above and beside the head: the upper arm up and out, the forearm swinging about vertical. */
function wavingArm(s: number): LimbAngles {
  return limb(122 * DEG + 8 * DEG * Math.sin(s), 168 * DEG + 34 * DEG * Math.sin(s));
}

function waveOne(phase: number): Pose {
  return { lean: 0, lift: 0, arms: [wavingArm(TAU * phase), HANG_ARM], legs: [STAND_LEG, STAND_LEG] };
}

function waveTwo(phase: number): Pose {
  const arm = wavingArm(TAU * phase);
  return { lean: 0, lift: 0, arms: [arm, arm], legs: [STAND_LEG, STAND_LEG] };
}

/**
 * Hands meet in front of the chest and spring apart past the shoulders, the
 * elbows kept low at the sides. The forearms point at the camera, so they
 * are drawn shortened.
 */
function clap(phase: number): Pose {
  const open = Math.sin(Math.PI * (phase - Math.floor(phase))) ** 2;
  const arm = limb(10 * DEG + 22 * DEG * open, -120 * DEG - 74 * DEG * open, 0.62 - 0.12 * open);
  return { lean: 0, lift: 0, arms: [arm, arm], legs: [STAND_LEG, STAND_LEG] };
}

/** A squat: knees and hips fold until the thighs are level, arms reach forward to balance, and back up. */
function squat(phase: number): Pose {
  const [depth] = keyframes(
    [
      [0, 0],
      [0.1, 0],
      [0.45, 1],
      [0.6, 1],
      [0.95, 0],
    ],
    phase,
  ) as [number];
  const thigh = 92 * DEG * depth;
  const knee = 118 * DEG * depth;
  const arm = 6 * DEG + 82 * DEG * depth;
  return {
    lean: 4 * DEG + 30 * DEG * depth,
    lift: 0,
    arms: [limb(arm, arm + 6 * DEG), limb(arm + 6 * DEG, arm + 12 * DEG)],
    legs: [limb(thigh, thigh - knee), limb(thigh + 4 * DEG, thigh - knee + 4 * DEG)],
  };
}

/** Skipping: a step and a hop on each leg, the free knee lifted high, arms swinging wide against the legs. */
function skip(phase: number): Pose {
  const s = TAU * phase;
  const leg = (x: number): LimbAngles => {
    const up = Math.max(0, Math.sin(x));
    const thigh = -14 * DEG + 84 * DEG * up ** 1.5;
    return limb(thigh, thigh - 12 * DEG - 88 * DEG * up);
  };
  const arm = (x: number): LimbAngles => {
    const upper = -50 * DEG * Math.sin(x) + 10 * DEG;
    return limb(upper, upper + 55 * DEG);
  };
  return {
    lean: 6 * DEG,
    lift: 0.08 * Math.abs(Math.sin(2 * s)),
    arms: [arm(s), arm(s + Math.PI)],
    legs: [leg(s), leg(s + Math.PI)],
  };
}

/**
 * Boxing, seen from the side: fists up by the chin in a stance with one foot
 * forward, the near fist punching straight out in the first half of the
 * cycle, the far one in the second.
 */
function box(phase: number): Pose {
  const p = phase - Math.floor(phase);
  const punch = (t: number): number => Math.max(0, Math.sin(TAU * t)) ** 2;
  const arm = (extended: number): LimbAngles => limb(28 * DEG + 60 * DEG * extended, 150 * DEG - 60 * DEG * extended);
  return {
    lean: 10 * DEG,
    lift: 0,
    arms: [arm(punch(p)), arm(punch(p + 0.5))],
    legs: [limb(16 * DEG, 12 * DEG), limb(-14 * DEG, -16 * DEG)],
  };
}

/** A front kick: the near knee comes up, the lower leg snaps out level, folds back and the foot returns. */
function kick(phase: number): Pose {
  // [phase, thigh raise 0..1, knee bend 0..1]
  const [raise, fold] = keyframes(
    [
      [0, 0, 0.05],
      [0.15, 0, 0.05],
      [0.35, 0.8, 1],
      [0.5, 1, 0.05],
      [0.65, 0.7, 0.9],
      [0.85, 0, 0.05],
    ],
    phase,
  ) as [number, number];
  const thigh = 88 * DEG * raise;
  const back = -24 * DEG * raise;
  return {
    lean: -12 * DEG * raise,
    lift: 0,
    arms: [limb(back + 10 * DEG, back + 60 * DEG), limb(40 * DEG * raise + 10 * DEG, 40 * DEG * raise + 70 * DEG)],
    legs: [limb(thigh, thigh - 110 * DEG * fold), limb(-6 * DEG * raise, -8 * DEG * raise)],
  };
}

const CYCLES: Readonly<Record<string, ActionCycle>> = {
  bend: { view: 'side', rate: 0.55, stride: 0, pose: bend },
  clap: { view: 'front', rate: 1.25, stride: 0, pose: clap },
  jack: { view: 'front', rate: 0.8, stride: 0, pose: jack },
  jump: { view: 'side', rate: 0.75, stride: 0, pose: jump },
  run: { view: 'side', rate: 0.95, stride: 1.2, pose: run },
  walk: { view: 'side', rate: 0.6, stride: 0.75, pose: walk },
  wave_one: { view: 'front', rate: 0.9, stride: 0, pose: waveOne },
  wave_two: { view: 'front', rate: 0.85, stride: 0, pose: waveTwo },
};

/**
 * Actions the bundled set leaves out, for the transfer chapter: two built
 * from movements the set has (squat: jump's crouch without the flight; skip:
 * a walk with a hop) and two it has not (box: the arms thrust forward; kick:
 * one leg swings up).
 */
const HELD_OUT_CYCLES: Readonly<Record<string, ActionCycle>> = {
  box: { view: 'side', rate: 0.9, stride: 0, pose: box },
  kick: { view: 'side', rate: 0.6, stride: 0, pose: kick },
  skip: { view: 'side', rate: 0.7, stride: 0.9, pose: skip },
  squat: { view: 'side', rate: 0.5, stride: 0, pose: squat },
};

/** The action classes, sorted; none names a side or a turn direction, so a mirrored clip keeps its label. */
export const PEOPLE_ACTIONS: readonly string[] = Object.keys(CYCLES).sort();

/** The actions the bundled set leaves out (see {@link HELD_OUT_CYCLES}), sorted; none has a side either. */
export const PEOPLE_HELD_OUT_ACTIONS: readonly string[] = Object.keys(HELD_OUT_CYCLES).sort();

/** The joint-angle cycle of an action; throws listing the actions for an unknown name. */
export function actionCycle(action: string): ActionCycle {
  const cycle = CYCLES[action] ?? HELD_OUT_CYCLES[action];
  if (!cycle) {
    throw new Error(
      `unknown action "${action}": use one of ${PEOPLE_ACTIONS.join(', ')} (held out: ${PEOPLE_HELD_OUT_ACTIONS.join(', ')})`,
    );
  }
  return cycle;
}
