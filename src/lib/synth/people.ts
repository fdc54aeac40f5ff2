/**
 * Renders articulated stick people performing actions in procedural scenes:
 * RGB frames and a per-frame person mask, seeded and deterministic.
 *
 * A clip is: the scene painted once onto a plate a little larger than the
 * frame; per frame, the plate shifted by the camera (a smooth shake, plus a
 * pan that follows walkers and runners), the figure posed from its action's
 * joint-angle cycle and drawn over it, then mild pixel noise.
 */
import type { Rng } from '../util/random';
import { actionCycle, type ActionCycle, CLIP_FPS } from './people-actions';
import { drawGroups } from './people-draw';
import { type Capsule, type PartGroup, type Person, poseFigure } from './people-figure';
import type { Plate } from './scene-shapes';
import { renderScenePlate, type SceneSpec } from './scenes';

export { PEOPLE_ACTIONS, PEOPLE_HELD_OUT_ACTIONS } from './people-actions';
export { type Body, type Person, randomPerson } from './people-figure';

/** Each action's own scene: a bijection onto the scene names. */
export const ACTION_SCENES: Readonly<Record<string, string>> = {
  bend: 'living_room',
  clap: 'office',
  jack: 'gym',
  jump: 'beach',
  run: 'street',
  walk: 'park',
  wave_one: 'pool',
  wave_two: 'snow',
};

export interface PeopleRenderOptions {
  /** Frame size in pixels; everything scales with the height. */
  readonly width: number;
  readonly height: number;
  /** Frames in the clip, played at 8 fps. */
  readonly frames: number;
}

/** What varies per clip. Lengths are fractions of the frame height unless stated. */
export interface PersonClipParams {
  /** +1: faces right (and walks right); -1: the mirror image. */
  readonly facing: 1 | -1;
  /**
   * Horizontal position at frame 0, as a fraction of the frame width: of the
   * pelvis for walk and run, of the middle of the feet for actions in place.
   */
  readonly x: number;
  /** The ground line: the row the soles stand on. */
  readonly groundY: number;
  /** Height of the upright figure. */
  readonly size: number;
  /** Cycle phase at frame 0, in [0, 1). */
  readonly phase: number;
  /** Action cycles per frame: the action's rate times the person's and the clip's tempo. */
  readonly cyclesPerFrame: number;
  /** Distance the person moves per frame in the facing direction (walk, run; else 0). */
  readonly travel: number;
  /** Distance the camera pans per frame to follow the person (at most `travel`). */
  readonly pan: number;
  /** Largest camera shake in pixels; the shake is a smooth random walk. */
  readonly jitter: number;
  /** Amplitude of per-pixel noise, 0..255. */
  readonly noise: number;
}

/** A rendered clip: `frames` `[H,W,3]` uint8 RGB and `masks` `[H,W]` uint8 person coverage 0..255. */
export interface PersonClip {
  readonly frames: Uint8Array[];
  readonly masks: Uint8Array[];
}

/** Outline width in pixels: 1 px at 64 px, growing with the frame. */
function outlineWidth(height: number): number {
  return Math.max(1, height / 64);
}

/** Thinnest capsule radius in pixels: limbs stay at least 3 px thick at 64 px. */
function minRadius(height: number): number {
  return (1.5 * height) / 64;
}

function checkOptions(options: PeopleRenderOptions): void {
  const { width, height, frames } = options;
  for (const [name, value, least] of [
    ['width', width, 16],
    ['height', height, 16],
    ['frames', frames, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < least) {
      throw new Error(`${name} must be a whole number ≥ ${least}, got ${value}`);
    }
  }
}

/**
 * Random per-clip parameters. Size and position are chosen so the whole body,
 * outline and camera shake included, stays inside the frame at every frame of
 * the clip: jumps and raised arms shrink the figure rather than clip it.
 */
export function randomPersonClipParams(
  action: string,
  person: Person,
  options: PeopleRenderOptions,
  rng: Rng,
): PersonClipParams {
  checkOptions(options);
  const { width, height, frames } = options;
  const cycle = actionCycle(action);
  const facing: 1 | -1 = rng.next() < 0.5 ? 1 : -1;
  const phase = rng.next();
  const cyclesPerFrame = (cycle.rate / CLIP_FPS) * person.tempo * rng.uniform(0.9, 1.1);
  const jitter = rng.uniform(0.4, 1.2);
  const noise = rng.uniform(1, 5);
  const margin = jitter + outlineWidth(height) + 1;
  const span = Math.max(1, frames - 1);

  // The body's extent over the clip in figure heights, x from the anchor, y down from the ground.
  // Thin parts are drawn at least minRadius thick, relatively thicker on a smaller figure: shrink until it fits.
  let size = rng.uniform(0.65, 0.85);
  let extents: Extent[] = [];
  let left = 0;
  let right = 0;
  let top = 0;
  for (let round = 0; round < 30; round++) {
    const thinnest = minRadius(height) / (size * height);
    extents = Array.from({ length: frames }, (_, f) =>
      figureExtent(person, cycle, facing, phase + cyclesPerFrame * f, thinnest),
    );
    left = Math.min(...extents.map((e) => e.left));
    right = Math.max(...extents.map((e) => e.right));
    top = Math.min(...extents.map((e) => e.top));
    const bottom = Math.max(...extents.map((e) => e.bottom));
    const fits = Math.min(
      (height - 2 * margin) / ((bottom - top) * height),
      (width - 2 * margin) / ((right - left) * height),
    );
    if (fits >= size) break;
    size = fits * 0.999;
  }
  const figurePx = size * height;

  // Walkers and runners cross part of the frame; a panning camera covers the rest of their way.
  const travelPx = cycle.stride * cyclesPerFrame * figurePx * span;
  const roomPx = Math.max(0, width - 2 * margin - (right - left) * figurePx);
  const screenPx = Math.min(travelPx, roomPx * rng.uniform(0.55, 0.9));
  let lowX = -Infinity;
  let highX = Infinity;
  extents.forEach((e, f) => {
    const moved = (facing * screenPx * f) / span;
    lowX = Math.max(lowX, margin - moved - e.left * figurePx);
    highX = Math.min(highX, width - margin - moved - e.right * figurePx);
  });
  const x = highX >= lowX ? rng.uniform(lowX, highX) : (lowX + highX) / 2;
  const highGround = height - margin - Math.max(...extents.map((e) => e.bottom)) * figurePx;
  const lowGround = Math.min(highGround, Math.max(margin - top * figurePx, highGround - 0.1 * height));
  const groundY = rng.uniform(lowGround, highGround);
  return {
    facing,
    x: x / width,
    groundY: groundY / height,
    size,
    phase,
    cyclesPerFrame,
    travel: travelPx / span / height,
    pan: (travelPx - screenPx) / span / height,
    jitter,
    noise,
  };
}

interface Extent {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  /** Below the ground line: only where a thin part is drawn thicker than it is. */
  readonly bottom: number;
}

/**
 * Horizontal extent from the anchor and vertical extent from the ground line
 * (y down), in figure heights, at one phase, with radii at least `thinnest`.
 */
function figureExtent(person: Person, cycle: ActionCycle, facing: 1 | -1, phase: number, thinnest: number): Extent {
  const pose = cycle.pose(phase);
  const figure = poseFigure(person, pose, cycle.view, facing);
  const anchor = cycle.stride > 0 ? 0 : figure.feetX;
  const pelvisY = -(figure.bottom + pose.lift);
  let left = Infinity;
  let right = -Infinity;
  let top = Infinity;
  let bottom = -Infinity;
  for (const group of figure.groups) {
    for (const c of group) {
      const r = Math.max(c.r, thinnest);
      left = Math.min(left, c.ax - r - anchor, c.bx - r - anchor);
      right = Math.max(right, c.ax + r - anchor, c.bx + r - anchor);
      top = Math.min(top, c.ay - r + pelvisY, c.by - r + pelvisY);
      bottom = Math.max(bottom, c.ay + r + pelvisY, c.by + r + pelvisY);
    }
  }
  return { left, right, top, bottom };
}

/**
 * Renders one clip of `person` doing `action` in `scene`. Frames are `[H,W,3]`
 * uint8 RGB row-major; masks `[H,W]` uint8, the person's anti-aliased coverage
 * 0..255, under the same camera shift as the frame. The same params and rng
 * state give identical bytes.
 */
export function renderPersonClip(
  action: string,
  person: Person,
  params: PersonClipParams,
  scene: SceneSpec,
  options: PeopleRenderOptions,
  rng: Rng,
): PersonClip {
  return renderFrames(action, person, params, scene, options, rng, true);
}

/**
 * The same clip without the person: identical camera and noise, so comparing
 * the two shows exactly which pixels the person covers.
 */
export function renderPersonBackground(
  action: string,
  person: Person,
  params: PersonClipParams,
  scene: SceneSpec,
  options: PeopleRenderOptions,
  rng: Rng,
): Uint8Array[] {
  return renderFrames(action, person, params, scene, options, rng, false).frames;
}

function renderFrames(
  action: string,
  person: Person,
  params: PersonClipParams,
  scene: SceneSpec,
  options: PeopleRenderOptions,
  rng: Rng,
  drawPerson: boolean,
): PersonClip {
  checkOptions(options);
  const { width, height, frames } = options;
  const cycle = actionCycle(action);
  const shake = cameraShake(params.jitter, frames, rng.fork('camera'));
  const noiseRng = rng.fork('noise');
  const panPx = params.pan * height;
  const shakeMargin = Math.ceil(params.jitter) + 1;
  const panMargin = Math.ceil(panPx * Math.max(0, frames - 1)) + shakeMargin;
  const plate = renderScenePlate(scene, width, height, {
    left: params.facing < 0 ? panMargin : shakeMargin,
    right: params.facing > 0 ? panMargin : shakeMargin,
    top: shakeMargin,
    bottom: shakeMargin,
  });
  const outline = outlineWidth(height);
  const image = new Float32Array(width * height * 3);
  const coverage = new Float32Array(width * height);
  const out: PersonClip = { frames: [], masks: [] };
  for (let f = 0; f < frames; f++) {
    const [cameraX, cameraY] = cameraAt(params, shake, f, height);
    shiftedPlate(plate, cameraX, cameraY, width, height, image);
    coverage.fill(0);
    if (drawPerson) {
      const groups = placeFigure(person, cycle, params, f, width, height, cameraX, cameraY);
      drawGroups(image, coverage, width, height, groups, outline);
    }
    const frame = new Uint8Array(width * height * 3);
    addNoise(image, params.noise, noiseRng.int(1, 2 ** 31 - 1), frame);
    const mask = new Uint8Array(width * height);
    for (let i = 0; i < mask.length; i++) mask[i] = (coverage[i] as number) * 255 + 0.5;
    out.frames.push(frame);
    out.masks.push(mask);
  }
  return out;
}

/**
 * The person's capsules at every frame in screen pixels, exactly as
 * {@link renderPersonClip} draws them with the same rng state (before the
 * outline, which adds `max(1, height / 64)` px).
 */
export function personCapsules(
  action: string,
  person: Person,
  params: PersonClipParams,
  options: PeopleRenderOptions,
  rng: Rng,
): PartGroup[][] {
  checkOptions(options);
  const { width, height, frames } = options;
  const cycle = actionCycle(action);
  const shake = cameraShake(params.jitter, frames, rng.fork('camera'));
  return Array.from({ length: frames }, (_, f) => {
    const [cameraX, cameraY] = cameraAt(params, shake, f, height);
    return placeFigure(person, cycle, params, f, width, height, cameraX, cameraY);
  });
}

/** Camera position at frame `f` in pixels: the pan that follows the person plus the shake. */
function cameraAt(
  params: PersonClipParams,
  shake: ReadonlyArray<readonly [number, number]>,
  f: number,
  height: number,
): [number, number] {
  const [shakeX, shakeY] = shake[f] as readonly [number, number];
  return [params.facing * params.pan * height * f + shakeX, shakeY];
}

/** The figure at frame `f` in screen pixels, seen by a camera at (cameraX, cameraY). */
function placeFigure(
  person: Person,
  cycle: ActionCycle,
  params: PersonClipParams,
  f: number,
  width: number,
  height: number,
  cameraX: number,
  cameraY: number,
): PartGroup[] {
  const pose = cycle.pose(params.phase + params.cyclesPerFrame * f);
  const figure = poseFigure(person, pose, cycle.view, params.facing);
  const scale = params.size * height;
  const anchorX = params.x * width + params.facing * params.travel * height * f - cameraX;
  const originX = anchorX - (cycle.stride > 0 ? 0 : figure.feetX) * scale;
  const originY = params.groundY * height - (figure.bottom + pose.lift) * scale - cameraY;
  const thinnest = minRadius(height);
  return figure.groups.map((group) =>
    group.map((c): Capsule => ({
      ax: originX + c.ax * scale,
      ay: originY + c.ay * scale,
      bx: originX + c.bx * scale,
      by: originY + c.by * scale,
      r: Math.max(thinnest, c.r * scale),
      colour: c.colour,
    })),
  );
}

/** Copies the plate seen by a camera at (cameraX, cameraY) into `out`, bilinear for sub-pixel shifts. */
function shiftedPlate(
  plate: Plate,
  cameraX: number,
  cameraY: number,
  width: number,
  height: number,
  out: Float32Array,
): void {
  const fx = cameraX + plate.left;
  const fy = cameraY + plate.top;
  // The plate's margins exceed the camera's reach; clamping only guards against rounding.
  const ix = Math.min(plate.width - width - 1, Math.max(0, Math.floor(fx)));
  const iy = Math.min(plate.height - height - 1, Math.max(0, Math.floor(fy)));
  const tx = Math.min(1, Math.max(0, fx - ix));
  const ty = Math.min(1, Math.max(0, fy - iy));
  const w00 = (1 - tx) * (1 - ty);
  const w01 = tx * (1 - ty);
  const w10 = (1 - tx) * ty;
  const w11 = tx * ty;
  const data = plate.data;
  const rowStep = plate.width * 3;
  let o = 0;
  for (let y = 0; y < height; y++) {
    let p = ((y + iy) * plate.width + ix) * 3;
    for (let x = 0; x < width * 3; x++, p++, o++) {
      out[o] =
        (data[p] as number) * w00 +
        (data[p + 3] as number) * w01 +
        (data[p + rowStep] as number) * w10 +
        (data[p + rowStep + 3] as number) * w11;
    }
  }
}

/**
 * Rounds `image` into `out` with uniform noise of ±`amplitude` per channel.
 * An inline xorshift seeded per frame: the shared Rng per value would cost
 * more than the rest of the renderer.
 */
function addNoise(image: Float32Array, amplitude: number, seed: number, out: Uint8Array): void {
  let state = seed | 0 || 1;
  const scale = (2 * amplitude) / 4294967296;
  for (let i = 0; i < out.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const v = (image[i] as number) + ((state >>> 0) * scale - amplitude);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v + 0.5;
  }
}

/** Camera shake per frame, in pixels: a damped random walk that stays within ±`jitter`. */
function cameraShake(jitter: number, frames: number, rng: Rng): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let x = rng.uniform(-0.5, 0.5) * jitter;
  let y = rng.uniform(-0.5, 0.5) * jitter;
  let vx = 0;
  let vy = 0;
  for (let f = 0; f < frames; f++) {
    out.push([x, y]);
    // Velocity carries over, so the camera drifts smoothly instead of jumping.
    vx = 0.5 * vx + rng.uniform(-0.4, 0.4) * jitter;
    vy = 0.5 * vy + rng.uniform(-0.4, 0.4) * jitter;
    x = Math.min(jitter, Math.max(-jitter, 0.85 * x + vx));
    y = Math.min(jitter, Math.max(-jitter, 0.85 * y + vy));
  }
  return out;
}
