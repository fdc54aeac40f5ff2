/**
 * The articulated figure: a person's proportions and colours, and the
 * capsules (thick segments) a pose puts them in.
 */
import type { Rng } from '../util/random';
import type { LimbAngles, Pose, View } from './people-actions';
import type { RGB } from './scene-shapes';

/** Segment lengths and radii in figure heights (the standing figure is 1 tall). */
export interface Body {
  readonly headRadius: number;
  readonly neck: number;
  readonly torso: number;
  readonly upperArm: number;
  readonly forearm: number;
  readonly thigh: number;
  readonly shin: number;
  readonly foot: number;
  readonly shoulderHalfWidth: number;
  readonly hipHalfWidth: number;
  /** Half the torso's width seen from the front, and from the side. */
  readonly torsoRadius: number;
  readonly torsoSideRadius: number;
  readonly upperArmRadius: number;
  readonly forearmRadius: number;
  readonly handRadius: number;
  readonly thighRadius: number;
  readonly shinRadius: number;
  readonly footRadius: number;
}

/** What stays the same across one person's clips: build, colours and tempo. */
export interface Person {
  readonly id: string;
  readonly body: Body;
  readonly skin: RGB;
  readonly hair: RGB;
  readonly shirt: RGB;
  readonly trousers: RGB;
  readonly shoes: RGB;
  readonly longSleeves: boolean;
  readonly shorts: boolean;
  readonly longHair: boolean;
  /** Multiplies every action's cycle rate: some people move faster than others. */
  readonly tempo: number;
}

const SKIN_LIGHT: RGB = [246, 214, 186];
const SKIN_DARK: RGB = [102, 66, 44];
const HAIR: readonly RGB[] = [
  [24, 20, 18],
  [70, 44, 28],
  [122, 84, 48],
  [206, 170, 98],
  [150, 60, 30],
  [170, 170, 170],
];
const TROUSERS: readonly RGB[] = [
  [44, 62, 104],
  [30, 30, 34],
  [150, 130, 96],
  [92, 94, 100],
  [70, 90, 60],
];

/** A random person: limb lengths vary by ±10 %, widths by about as much, colours and tempo freely. */
export function randomPerson(id: string, rng: Rng): Person {
  const arms = rng.uniform(0.9, 1.1);
  const legs = rng.uniform(0.9, 1.1);
  const trunk = rng.uniform(0.93, 1.07);
  const girth = rng.uniform(0.88, 1.2);
  const limbWidth = rng.uniform(0.95, 1.12);
  const head = rng.uniform(0.93, 1.07);
  const raw: Body = {
    headRadius: 0.075 * head,
    neck: 0.03,
    torso: 0.29 * trunk,
    upperArm: 0.165 * arms,
    forearm: 0.145 * arms,
    thigh: 0.235 * legs,
    shin: 0.225 * legs,
    foot: 0.065,
    shoulderHalfWidth: 0.085 * girth,
    hipHalfWidth: 0.042 * girth,
    torsoRadius: 0.072 * girth,
    torsoSideRadius: 0.056 * girth,
    upperArmRadius: 0.037 * limbWidth,
    forearmRadius: 0.033 * limbWidth,
    handRadius: 0.033 * limbWidth,
    thighRadius: 0.049 * limbWidth,
    shinRadius: 0.041 * limbWidth,
    footRadius: 0.026 * limbWidth,
  };
  const shirtHue = rng.next();
  return {
    id,
    body: normalised(raw),
    skin: mix(SKIN_LIGHT, SKIN_DARK, rng.next()),
    hair: rng.pick(HAIR),
    shirt: hsv(shirtHue, rng.uniform(0.35, 0.9), rng.uniform(0.45, 0.95)),
    trousers: rng.next() < 0.6 ? rng.pick(TROUSERS) : hsv(rng.next(), rng.uniform(0.2, 0.7), rng.uniform(0.25, 0.6)),
    shoes: hsv(rng.next(), rng.uniform(0, 0.4), rng.uniform(0.1, 0.35)),
    longSleeves: rng.next() < 0.5,
    shorts: rng.next() < 0.3,
    longHair: rng.next() < 0.35,
    tempo: rng.uniform(0.85, 1.15),
  };
}

/** Scales every length so the upright figure, soles to crown, is exactly 1 tall. */
function normalised(body: Body): Body {
  const height = body.footRadius + body.shin + body.thigh + body.torso + body.neck + 2 * body.headRadius;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v / height])) as unknown as Body;
}

function mix(a: RGB, b: RGB, t: number): RGB {
  return [0, 1, 2].map((c) => Math.round((a[c] as number) * (1 - t) + (b[c] as number) * t)) as unknown as RGB;
}

function hsv(h: number, s: number, v: number): RGB {
  const f = (n: number): number => {
    const k = (n + h * 6) % 6;
    return Math.round(255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

/** A thick segment from a to b (equal ends make a disc). */
export interface Capsule {
  readonly ax: number;
  readonly ay: number;
  readonly bx: number;
  readonly by: number;
  readonly r: number;
  readonly colour: RGB;
}

/** Capsules outlined together and drawn in order: a limb, the trunk, the head. */
export type PartGroup = readonly Capsule[];

/** A posed figure in figure heights, y down, pelvis at the origin. */
export interface Figure {
  /** Back to front. */
  readonly groups: readonly PartGroup[];
  /** Lowest point of the body (the soles when standing), relative to the pelvis. */
  readonly bottom: number;
  /** Middle of the ankles: the point that stays planted for actions in place. */
  readonly feetX: number;
}

/** Darkening of the far limbs in a side view: a depth cue that keeps the two legs apart. */
const FAR_SHADE = 0.72;

/**
 * Puts a person in a pose, seen from the side or the front, facing +1
 * (right, or the figure's right arm on the left of the picture) or -1 (mirrored).
 */
export function poseFigure(person: Person, pose: Pose, view: View, facing: 1 | -1): Figure {
  const b = person.body;
  const upX = view === 'side' ? facing * Math.sin(pose.lean) : 0;
  const upY = view === 'side' ? -Math.cos(pose.lean) : -1;
  const neckX = upX * b.torso;
  const neckY = upY * b.torso;
  // Sideways direction of limb i: forward in a side view, away from the midline in a front view.
  const side = (i: number): number => (view === 'side' ? facing : (i === 0 ? -1 : 1) * facing);
  const arms: PartGroup[] = [];
  const legs: PartGroup[] = [];
  const ankles: number[] = [];
  for (let i = 0; i < 2; i++) {
    const s = side(i);
    const tint = view === 'side' && i === 1 ? FAR_SHADE : 1;
    const shoulderX = upX * b.torso * 0.92 + (view === 'front' ? s * b.shoulderHalfWidth : 0);
    const shoulderY = upY * b.torso * 0.92;
    arms.push(
      limbCapsules(pose.arms[i] as LimbAngles, s, shoulderX, shoulderY, [
        { length: b.upperArm, r: b.upperArmRadius, colour: shade(person.shirt, tint) },
        { length: b.forearm, r: b.forearmRadius, colour: shade(person.longSleeves ? person.shirt : person.skin, tint) },
        { length: 0, r: b.handRadius, colour: shade(person.skin, tint) },
      ]),
    );
    const hipX = view === 'front' ? s * b.hipHalfWidth : 0;
    const leg = limbCapsules(pose.legs[i] as LimbAngles, s, hipX, 0, [
      { length: b.thigh, r: b.thighRadius, colour: shade(person.trousers, tint) },
      { length: b.shin, r: b.shinRadius, colour: shade(person.shorts ? person.skin : person.trousers, tint) },
    ]);
    const ankle = leg[leg.length - 1] as Capsule;
    ankles.push(ankle.bx);
    legs.push([...leg, foot(person, pose.legs[i] as LimbAngles, view, s, ankle.bx, ankle.by, tint)]);
  }
  const trunk: PartGroup = [
    {
      ax: 0,
      ay: 0,
      bx: upX * b.torso * 0.3,
      by: upY * b.torso * 0.3,
      r: b.torsoRadius * 0.92,
      colour: person.trousers,
    },
    ...(view === 'front'
      ? [
          {
            ax: neckX - b.shoulderHalfWidth,
            ay: neckY * 0.92,
            bx: neckX + b.shoulderHalfWidth,
            by: neckY * 0.92,
            r: b.upperArmRadius * 1.15,
            colour: person.shirt,
          },
        ]
      : []),
    {
      ax: upX * b.torso * 0.3,
      ay: upY * b.torso * 0.3,
      bx: neckX * 0.97,
      by: neckY * 0.97,
      r: view === 'front' ? b.torsoRadius : b.torsoSideRadius,
      colour: person.shirt,
    },
  ];
  const head = headGroup(
    person,
    view,
    facing,
    neckX + upX * (b.neck + b.headRadius),
    neckY + upY * (b.neck + b.headRadius),
  );
  const [near, far] = [0, 1];
  const groups =
    view === 'side'
      ? [arms[far], legs[far], trunk, head, legs[near], arms[near]]
      : [legs[0], legs[1], trunk, head, arms[0], arms[1]];
  const all = groups as PartGroup[];
  let bottom = -Infinity;
  for (const group of all) for (const c of group) bottom = Math.max(bottom, c.ay + c.r, c.by + c.r);
  return { groups: all, bottom, feetX: ((ankles[0] as number) + (ankles[1] as number)) / 2 };
}

interface Segment {
  readonly length: number;
  readonly r: number;
  readonly colour: RGB;
}

/** Chains segments from a joint: the first at `angles.upper`, the rest at `angles.lower`. */
function limbCapsules(angles: LimbAngles, s: number, x: number, y: number, segments: readonly Segment[]): Capsule[] {
  const out: Capsule[] = [];
  let ax = x;
  let ay = y;
  segments.forEach((segment, k) => {
    const angle = k === 0 ? angles.upper : angles.lower;
    const length = segment.length * (k === 0 ? 1 : (angles.lowerReach ?? 1));
    const bx = ax + s * Math.sin(angle) * length;
    const by = ay + Math.cos(angle) * length;
    out.push({ ax, ay, bx, by, r: segment.r, colour: segment.colour });
    ax = bx;
    ay = by;
  });
  return out;
}

/** A shoe: forward and square to the shin from the side, a short stub outwards from the front. */
function foot(person: Person, leg: LimbAngles, view: View, s: number, x: number, y: number, tint: number): Capsule {
  const b = person.body;
  const colour = shade(person.shoes, tint);
  if (view === 'side') {
    const length = b.foot - b.footRadius;
    return {
      ax: x,
      ay: y,
      bx: x + s * Math.cos(leg.lower) * length,
      by: y - Math.sin(leg.lower) * length,
      r: b.footRadius,
      colour,
    };
  }
  return { ax: x, ay: y, bx: x + s * b.footRadius * 0.8, by: y + b.footRadius * 0.3, r: b.footRadius * 1.1, colour };
}

/** Hair as a disc behind the face disc, showing as a cap on top (and at the back from the side). */
function headGroup(person: Person, view: View, facing: number, cx: number, cy: number): PartGroup {
  const r = person.body.headRadius;
  const back = view === 'side' ? -facing : 0;
  const group: Capsule[] = [];
  if (person.longHair) {
    const spread = view === 'side' ? [back * 0.45] : [-0.7, 0.7];
    for (const dx of spread) {
      group.push({
        ax: cx + dx * r,
        ay: cy,
        bx: cx + dx * r * 1.1,
        by: cy + r * 1.1,
        r: r * 0.55,
        colour: person.hair,
      });
    }
  }
  group.push({
    ax: cx + back * 0.12 * r,
    ay: cy - 0.12 * r,
    bx: cx + back * 0.12 * r,
    by: cy - 0.12 * r,
    r,
    colour: person.hair,
  });
  const faceX = cx - back * 0.14 * r;
  const faceY = cy + 0.14 * r;
  group.push({ ax: faceX, ay: faceY, bx: faceX, by: faceY, r: r * 0.9, colour: person.skin });
  return group;
}

function shade(colour: RGB, factor: number): RGB {
  return factor === 1 ? colour : (colour.map((c) => Math.round(c * factor)) as unknown as RGB);
}
