/**
 * Draws one synthetic clip in plain TypeScript: a shape with an off-centre
 * marker cap (so rotation is visible) on a noisy background, moved by a motion.
 */
import type { Rng } from '../util/random';
import { type MotionAmounts, motionFor } from './motions';

export type ShapeName = 'circle' | 'square' | 'triangle' | 'diamond';
export const SHAPES: readonly ShapeName[] = ['circle', 'square', 'triangle', 'diamond'];

/** What stays the same across one actor's clips (the "group" of the dataset). */
export interface Actor {
  readonly id: string;
  readonly shape: ShapeName;
  /** Shape colour, RGB 0..255. */
  readonly colour: readonly [number, number, number];
  /** Marker colour, RGB 0..255. */
  readonly marker: readonly [number, number, number];
  /** Background base colour, RGB 0..255. */
  readonly background: readonly [number, number, number];
  /** Amplitude of the static background texture, 0..255. */
  readonly texture: number;
  /** Seed of the static background texture. */
  readonly textureSeed: number;
}

/** What varies per clip. */
export interface ClipParams {
  /** Start centre in pixels. */
  readonly x: number;
  readonly y: number;
  /** Start angle in radians. */
  readonly angle: number;
  /** Smallest radius in pixels; grow/shrink go from it to `radius * growth`. */
  readonly radius: number;
  /** In [0, 1]: other classes keep `radius * growth^size`, a size grow/shrink pass through. */
  readonly size: number;
  /**
   * Amounts of the motion. For rotations `turn` is set when rendering, from
   * {@link rimSpeed} and the shape's radius.
   */
  readonly amounts: MotionAmounts;
  /**
   * Pixels per frame the rim of a rotating shape travels. A fixed turn would
   * move a large shape's rim several pixels a frame, too far for a 3×3×3
   * kernel to follow; a rim speed like the translations' keeps every
   * motion within one kernel's reach.
   */
  readonly rimSpeed: number;
  /** Amplitude of per-frame pixel noise, 0..255. */
  readonly noise: number;
}

export interface RenderOptions {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
}

/** Luma (ITU-R BT.601), the gray value a colour becomes in a gray cache. */
export function luma(rgb: readonly number[]): number {
  return 0.299 * (rgb[0] as number) + 0.587 * (rgb[1] as number) + 0.114 * (rgb[2] as number);
}

/** A colour near gray level `target` (0..255), each channel jittered by up to `spread`. */
export function colourNear(target: number, spread: number, rng: Rng): [number, number, number] {
  const jittered = [0, 1, 2].map(() => target + rng.uniform(-spread, spread));
  // Shift back so the luma lands on the target after the jitter.
  const shift = target - luma(jittered);
  return jittered.map((c) => clampByte(c + shift)) as [number, number, number];
}

/**
 * A random actor: shape, colours and background. The contrasts are set in
 * luma, not per channel, so the shape and its marker stay visible after the
 * gray conversion the tutorial's cache makes.
 */
export function randomActor(id: string, rng: Rng): Actor {
  const backgroundLuma = rng.uniform(30, 225);
  const shapeLuma =
    backgroundLuma > 127 ? rng.uniform(0, backgroundLuma - 100) : rng.uniform(backgroundLuma + 100, 255);
  const markerLuma = shapeLuma > 127 ? shapeLuma - 110 : shapeLuma + 110;
  return {
    id,
    shape: rng.pick(SHAPES),
    colour: colourNear(shapeLuma, 40, rng),
    marker: colourNear(markerLuma, 40, rng),
    background: colourNear(backgroundLuma, 40, rng),
    texture: rng.uniform(0, 20),
    textureSeed: rng.int(0, 2 ** 31),
  };
}

/**
 * Random per-clip parameters. The start position is uniform over the frame
 * and paths wrap around, so where the shape is in one frame carries no class
 * information; radii are drawn so single-frame sizes match across classes.
 */
export function randomClipParams(options: RenderOptions, rng: Rng): ClipParams {
  const side = Math.min(options.width, options.height);
  const growth = rng.uniform(2.2, 2.8);
  const baseRadius = rng.uniform(0.1, 0.14) * side;
  return {
    x: rng.uniform(0, options.width),
    y: rng.uniform(0, options.height),
    angle: rng.uniform(0, 2 * Math.PI),
    radius: baseRadius,
    size: rng.next(),
    amounts: {
      distance: rng.uniform(0.5, 0.8) * side,
      turn: 0,
      growth,
    },
    rimSpeed: rng.uniform(0.8, 1.4),
    noise: rng.uniform(0, 12),
  };
}

/** Renders `frames` RGB frames, each `[H,W,3]` uint8 row-major, values 0..255. */
export function renderClip(
  className: string,
  actor: Actor,
  params: ClipParams,
  options: RenderOptions,
  rng: Rng,
): Uint8Array[] {
  const { width, height, frames } = options;
  const motion = motionFor(className);
  const scales = className === 'grow' || className === 'shrink';
  const radius = scales ? params.radius : params.radius * Math.pow(params.amounts.growth, params.size);
  const texture = backgroundTexture(actor, width, height);
  const amounts = { ...params.amounts, turn: (params.rimSpeed * Math.max(1, frames - 1)) / radius };
  const out: Uint8Array[] = [];
  for (let f = 0; f < frames; f++) {
    const t = frames === 1 ? 0 : f / (frames - 1);
    const state = motion(t, amounts);
    const cx = params.x + state.dx;
    const cy = params.y + state.dy;
    const angle = params.angle + state.angle;
    const r = radius * state.scale;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const frame = new Uint8Array(width * height * 3);
    for (let py = 0; py < height; py++) {
      for (let px = 0; px < width; px++) {
        // 2x2 supersampling: soft edges keep sub-pixel motion visible at 32x32.
        let shape = 0;
        let mark = 0;
        for (const [ox, oy] of SUBSAMPLES) {
          const dx = wrap(px + ox - cx, width);
          const dy = wrap(py + oy - cy, height);
          const lx = (dx * cos + dy * sin) / r;
          const ly = (-dx * sin + dy * cos) / r;
          if (insideShape(actor.shape, lx, ly)) {
            // A cap of the shape in the marker colour: its turn shows even on the smallest shapes.
            if (lx > 0.3) mark++;
            else shape++;
          }
        }
        const i = (py * width + px) * 3;
        const noise = (rng.next() - 0.5) * 2 * params.noise;
        for (let c = 0; c < 3; c++) {
          const bg = (actor.background[c] as number) + (texture[py * width + px] as number);
          const value =
            (bg * (4 - shape - mark) + (actor.colour[c] as number) * shape + (actor.marker[c] as number) * mark) / 4;
          frame[i + c] = clampByte(value + noise);
        }
      }
    }
    out.push(frame);
  }
  return out;
}

export const SUBSAMPLES: ReadonlyArray<readonly [number, number]> = [
  [0.25, 0.25],
  [0.75, 0.25],
  [0.25, 0.75],
  [0.75, 0.75],
];

/** Signed distance along one axis on a torus of size `size`: in [-size/2, size/2). */
function wrap(d: number, size: number): number {
  return ((((d + size / 2) % size) + size) % size) - size / 2;
}

/** Shapes in unit coordinates (radius 1), x to the right, y down. Shared with the still renderer. */
export function insideShape(shape: ShapeName, x: number, y: number): boolean {
  switch (shape) {
    case 'circle':
      return x * x + y * y <= 1;
    case 'square':
      return Math.abs(x) <= 0.8 && Math.abs(y) <= 0.8;
    case 'diamond':
      return Math.abs(x) + Math.abs(y) <= 1;
    case 'triangle':
      // Pointing along +x, so the marker sits at the tip side.
      return x >= -0.6 && x <= 1 && Math.abs(y) <= (1 - x) * 0.75;
  }
}

/** The actor's static background texture, `[H·W]` offsets in 0..255 units (shared with the still renderer). */
export function backgroundTexture(
  actor: Pick<Actor, 'texture' | 'textureSeed'>,
  width: number,
  height: number,
): Float32Array {
  // A smooth-ish static texture: value noise on a coarse grid, fixed per actor.
  let state = actor.textureSeed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  const grid = 4;
  const gw = Math.ceil(width / grid) + 1;
  const gh = Math.ceil(height / grid) + 1;
  const knots = Array.from({ length: gw * gh }, () => next() * 2 * actor.texture);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = Math.floor(x / grid);
      const gy = Math.floor(y / grid);
      const fx = (x % grid) / grid;
      const fy = (y % grid) / grid;
      const k = (ix: number, iy: number): number => knots[iy * gw + ix] as number;
      const top = k(gx, gy) * (1 - fx) + k(gx + 1, gy) * fx;
      const bottom = k(gx, gy + 1) * (1 - fx) + k(gx + 1, gy + 1) * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

export function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}
