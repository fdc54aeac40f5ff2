/**
 * Draws still images of objects (shapes) in plain TypeScript: the video
 * renderer's four shapes plus still-only ones, upright-ish, on a scene's
 * textured background. A scene is the still set's group, like a room of the
 * image project's nursing homes: its images share a background and light.
 */
import type { Rng } from '../util/random';
import { backgroundTexture, clampByte, colourNear, insideShape, SHAPES, type ShapeName, SUBSAMPLES } from './render';

/** Shapes only stills draw (the video renderer keeps its four, so its clips do not change). */
export type StillOnlyShape = 'ring' | 'cross' | 'star' | 'hexagon' | 'crescent' | 'frame' | 'arrow' | 'ellipse';
export type StillShape = ShapeName | StillOnlyShape;
export const STILL_SHAPES: readonly StillShape[] = [
  ...SHAPES,
  'ring',
  'cross',
  'star',
  'hexagon',
  'crescent',
  'frame',
  'arrow',
  'ellipse',
];

/** What the images of one scene (group) share. */
export interface Scene {
  readonly id: string;
  /** Background base colour, RGB 0..255. */
  readonly background: readonly [number, number, number];
  /** Luma of the background, 0..255: objects are drawn well away from it. */
  readonly backgroundLuma: number;
  /** Amplitude of the static background texture, 0..255. */
  readonly texture: number;
  /** Seed of the static background texture. */
  readonly textureSeed: number;
}

/** What varies per image. */
export interface StillParams {
  /** Object colour, RGB 0..255. */
  readonly colour: readonly [number, number, number];
  /** Centre in pixels. */
  readonly x: number;
  readonly y: number;
  /** Radius in pixels. */
  readonly radius: number;
  /** Tilt in radians (small: objects in photos stand mostly upright, and a square tilted 45° is a diamond). */
  readonly angle: number;
  /** Horizontal stretch (vertical is 1 / stretch): the same object seen from another side. */
  readonly stretch: number;
  /** Amplitude of per-pixel noise, 0..255. */
  readonly noise: number;
  /** Small blobs of clutter in other colours: `[x, y, radius, luma]` in pixels and 0..255. */
  readonly clutter: ReadonlyArray<readonly [number, number, number, number]>;
}

/** A random scene: background colour and texture. */
export function randomScene(id: string, rng: Rng): Scene {
  const backgroundLuma = rng.uniform(40, 215);
  return {
    id,
    background: colourNear(backgroundLuma, 40, rng),
    backgroundLuma,
    texture: rng.uniform(0, 24),
    textureSeed: rng.int(0, 2 ** 31),
  };
}

/** Random per-image parameters for a `size`×`size` image of `scene`. */
export function randomStillParams(scene: Scene, size: number, rng: Rng): StillParams {
  const bg = scene.backgroundLuma;
  // At least 70 luma levels from the background, so the object stays visible in gray too.
  const objectLuma = bg > 127 ? rng.uniform(0, bg - 70) : rng.uniform(bg + 70, 255);
  const radius = rng.uniform(0.26, 0.4) * size;
  const clutter = Array.from({ length: rng.int(0, 3) }, () => {
    const r = rng.uniform(0.05, 0.1) * size;
    return [rng.uniform(0, size), rng.uniform(0, size), r, rng.uniform(0, 255)] as const;
  });
  return {
    colour: colourNear(objectLuma, 50, rng),
    x: rng.uniform(radius * 0.8, size - radius * 0.8),
    y: rng.uniform(radius * 0.8, size - radius * 0.8),
    radius,
    angle: rng.uniform(-0.35, 0.35),
    stretch: rng.uniform(0.85, 1.15),
    noise: rng.uniform(0, 12),
    clutter,
  };
}

/** Renders one RGB image `[H,W,3]` uint8 row-major (H = W = `size`), values 0..255. */
export function renderStill(shape: StillShape, scene: Scene, params: StillParams, size: number, rng: Rng): Uint8Array {
  const texture = backgroundTexture(scene, size, size);
  const cos = Math.cos(params.angle);
  const sin = Math.sin(params.angle);
  const out = new Uint8Array(size * size * 3);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const i = (py * size + px) * 3;
      let base = [0, 1, 2].map((c) => (scene.background[c] as number) + (texture[py * size + px] as number));
      for (const [cx, cy, r, l] of params.clutter) {
        if ((px + 0.5 - cx) ** 2 + (py + 0.5 - cy) ** 2 <= r * r) base = [l, l, l];
      }
      // 2x2 supersampling: soft edges, as the video renderer draws them.
      let inside = 0;
      for (const [ox, oy] of SUBSAMPLES) {
        const dx = px + ox - params.x;
        const dy = py + oy - params.y;
        const lx = (dx * cos + dy * sin) / (params.radius * params.stretch);
        const ly = ((-dx * sin + dy * cos) * params.stretch) / params.radius;
        if (insideStillShape(shape, lx, ly)) inside++;
      }
      const noise = (rng.next() - 0.5) * 2 * params.noise;
      for (let c = 0; c < 3; c++) {
        const value = ((base[c] as number) * (4 - inside) + (params.colour[c] as number) * inside) / 4;
        out[i + c] = clampByte(value + noise);
      }
    }
  }
  return out;
}

/** Shapes in unit coordinates (radius 1), x to the right, y down. */
export function insideStillShape(shape: StillShape, x: number, y: number): boolean {
  const r2 = x * x + y * y;
  switch (shape) {
    case 'ring':
      return r2 <= 1 && r2 >= 0.36;
    case 'cross':
      return (Math.abs(x) <= 0.3 && Math.abs(y) <= 0.95) || (Math.abs(y) <= 0.3 && Math.abs(x) <= 0.95);
    case 'star': {
      // Five points: the edge radius falls linearly from 1 at a tip to 0.45 between tips.
      const turn = ((Math.atan2(x, -y) / (2 * Math.PI)) * 5 + 5) % 1;
      const edge = 1 - 0.55 * (1 - Math.abs(turn - 0.5) * 2);
      return r2 <= edge * edge;
    }
    case 'hexagon':
      return Math.abs(y) <= 0.87 && Math.abs(x) * 0.87 + Math.abs(y) * 0.5 <= 0.87;
    case 'crescent':
      return r2 <= 1 && (x - 0.5) ** 2 + y * y > 0.64;
    case 'frame':
      return Math.max(Math.abs(x), Math.abs(y)) <= 0.85 && Math.max(Math.abs(x), Math.abs(y)) >= 0.5;
    case 'arrow':
      return (x >= -0.95 && x <= 0.1 && Math.abs(y) <= 0.22) || (x >= 0.05 && x <= 1 && Math.abs(y) <= (1 - x) * 0.8);
    case 'ellipse':
      return x * x + (y * y) / 0.36 <= 1;
    default:
      return insideShape(shape, x, y);
  }
}
