/**
 * The synthetic action classes. They differ only in how a shape moves over
 * time, so one frame says nothing about the class; seeing time does.
 */

/** Where the shape is at time `t` in [0, 1], relative to its start. */
export interface MotionState {
  /** Offset in pixels along x (wraps around the frame). */
  readonly dx: number;
  /** Offset in pixels along y (wraps around the frame). */
  readonly dy: number;
  /** Rotation in radians added to the start angle; positive turns clockwise on screen. */
  readonly angle: number;
  /** Radius multiplier. */
  readonly scale: number;
}

/** Random per-clip amounts a motion is scaled by. */
export interface MotionAmounts {
  /** Path length in pixels for translations. */
  readonly distance: number;
  /** Total turn in radians for rotations. */
  readonly turn: number;
  /** Final / initial radius ratio for growing (> 1). */
  readonly growth: number;
}

export type Motion = (t: number, amounts: MotionAmounts) => MotionState;

const still: MotionState = { dx: 0, dy: 0, angle: 0, scale: 1 };

/** Every synthetic class, by name, in the order datasets list them. */
/** A diagonal move covering the same distance as the straight ones (signs of x and y). */
function diagonal(sx: 1 | -1, sy: 1 | -1): Motion {
  return (t, a) => ({ ...still, dx: sx * a.distance * t * Math.SQRT1_2, dy: sy * a.distance * t * Math.SQRT1_2 });
}

export const MOTIONS: Readonly<Record<string, Motion>> = {
  move_left: (t, a) => ({ ...still, dx: -a.distance * t }),
  move_right: (t, a) => ({ ...still, dx: a.distance * t }),
  move_up: (t, a) => ({ ...still, dy: -a.distance * t }),
  move_down: (t, a) => ({ ...still, dy: a.distance * t }),
  move_up_left: diagonal(-1, -1),
  move_up_right: diagonal(1, -1),
  move_down_left: diagonal(-1, 1),
  move_down_right: diagonal(1, 1),
  rotate_cw: (t, a) => ({ ...still, angle: a.turn * t }),
  rotate_ccw: (t, a) => ({ ...still, angle: -a.turn * t }),
  // Grow and shrink run through the same radii in opposite order, so the
  // distribution of sizes in single frames is the same for both.
  grow: (t, a) => ({ ...still, scale: Math.pow(a.growth, t) }),
  shrink: (t, a) => ({ ...still, scale: Math.pow(a.growth, 1 - t) }),
};

/** The class names of {@link MOTIONS}. */
export const MOTION_NAMES: readonly string[] = Object.keys(MOTIONS);

/**
 * The bundled dataset's 8 classes: translations in six directions, growing
 * and shrinking. Each can be told from a global statistic of local motion
 * (its direction, or whether edges move outwards), which a small 3D CNN learns
 * in a few minutes. Rotations are left out: telling clockwise from
 * counter-clockwise takes relating local motion to the shape's centre, which
 * the tutorial's models do not learn in that budget (try it: `actlab synth
 * --classes rotate_cw,rotate_ccw,...`).
 */
export const BUNDLED_CLASSES: readonly string[] = [
  'move_left',
  'move_right',
  'move_up',
  'move_down',
  'move_up_left',
  'move_up_right',
  'grow',
  'shrink',
];

/** The motion for `name`, or an error listing the known ones. */
export function motionFor(name: string): Motion {
  const motion = MOTIONS[name];
  if (!motion) throw new Error(`unknown synthetic class "${name}"; choose from ${MOTION_NAMES.join(', ')}`);
  return motion;
}
