/**
 * Clip augmentation: one set of random parameters per clip, applied to every
 * frame of it (a flip or crop that changed between frames would invent
 * motion), plus a temporal window (start offset, frame stride). Pure
 * functions over typed arrays; randomness comes from a seeded {@link Rng}.
 */
import type { Rng } from '../util/random';
import { definedOnly } from '../util/defined-only';

export interface AugmentOptions {
  /**
   * Probability of a horizontal flip. A flip turns "move_left" into what
   * "move_right" looks like: the pipeline swaps such labels (see
   * `PipelineOptions.flipLabels`), or set 0 to never flip.
   * @default 0.5
   */
  readonly flip?: number;
  /** Side of the random crop as a fraction of the frame, drawn from [min, max]; resized back. @default [0.8, 1] */
  readonly cropScale?: readonly [number, number];
  /** Largest rotation either way, in degrees. @default 10 */
  readonly rotation?: number;
  /** Zoom factor drawn from [1 - zoom, 1 + zoom]; below 1 shows more, borders repeat the edge. @default 0.1 */
  readonly zoom?: number;
  /** Added to values in 0..1, drawn from [-brightness, brightness]. @default 0.1 */
  readonly brightness?: number;
  /** Contrast factor around 0.5, drawn from [1 - contrast, 1 + contrast]. @default 0.2 */
  readonly contrast?: number;
  /**
   * Largest temporal stride: each clip takes every s-th source frame, s drawn
   * from the strides whose window fits. Needs source clips longer than the
   * model's T (extract 16 frames, train on 8) to have any effect.
   * @default 2
   */
  readonly maxStride?: number;
  /** Random start of the temporal window; off means the window is centred. @default true */
  readonly startJitter?: boolean;
  /**
   * Probability of a scene paste: the clip's person, cut out with its mask,
   * is put in front of an empty scene drawn from all the dataset's scenes,
   * so the scene stops telling the action. Needs a cache with person masks
   * and empty scenes (extracted from a dataset that ships them, such as the
   * bundled people set); clips without a mask are left as they are.
   * @default 0
   */
  readonly scenePaste?: number;
}

/** The parameters drawn for one clip: every frame of the clip gets exactly these. */
export interface ClipAugmentation {
  readonly flip: boolean;
  /** Crop side as a fraction of the frame side. */
  readonly cropScale: number;
  /** Crop centre in 0..1 of the frame (x, y). */
  readonly cropCenter: readonly [number, number];
  /** Radians, positive is counter-clockwise on screen. */
  readonly rotation: number;
  readonly zoom: number;
  readonly brightness: number;
  readonly contrast: number;
  /** Source frame indices the output frames come from, in order. */
  readonly frameIndices: readonly number[];
  /** The empty scene (an index into the cache's scenes) the person is pasted onto; absent for no paste. */
  readonly plate?: number;
}

const DEFAULTS: Required<AugmentOptions> = {
  flip: 0.5,
  cropScale: [0.8, 1],
  rotation: 10,
  zoom: 0.1,
  brightness: 0.1,
  contrast: 0.2,
  maxStride: 2,
  startJitter: true,
  scenePaste: 0,
};

/** Fills defaults and checks ranges; the error names the bad field and value. */
export function resolveAugmentOptions(options: AugmentOptions = {}): Required<AugmentOptions> {
  const o = { ...DEFAULTS, ...definedOnly(options) };
  const bad = (field: string, value: unknown, want: string): Error =>
    new Error(`augment.${field} must be ${want}, got ${JSON.stringify(value)}`);
  if (!(o.flip >= 0 && o.flip <= 1)) throw bad('flip', o.flip, 'a probability in [0, 1]');
  const [lo, hi] = o.cropScale;
  if (!(lo > 0 && lo <= hi && hi <= 1)) throw bad('cropScale', o.cropScale, '[min, max] with 0 < min <= max <= 1');
  if (!(o.rotation >= 0 && o.rotation < 90)) throw bad('rotation', o.rotation, 'degrees in [0, 90)');
  if (!(o.zoom >= 0 && o.zoom < 1)) throw bad('zoom', o.zoom, 'in [0, 1)');
  if (!(o.brightness >= 0 && o.brightness <= 1)) throw bad('brightness', o.brightness, 'in [0, 1]');
  if (!(o.contrast >= 0 && o.contrast < 1)) throw bad('contrast', o.contrast, 'in [0, 1)');
  if (!(Number.isInteger(o.maxStride) && o.maxStride >= 1)) throw bad('maxStride', o.maxStride, 'an integer >= 1');
  if (!(o.scenePaste >= 0 && o.scenePaste <= 1)) throw bad('scenePaste', o.scenePaste, 'a probability in [0, 1]');
  return o;
}

/** Draws one clip's parameters. `sourceFrames` is the clip's T, `frames` how many the model takes. */
export function sampleAugmentation(
  rng: Rng,
  options: Required<AugmentOptions>,
  sourceFrames: number,
  frames: number,
): ClipAugmentation {
  const cropScale = rng.uniform(options.cropScale[0], options.cropScale[1]);
  const half = cropScale / 2;
  return {
    flip: rng.next() < options.flip,
    cropScale,
    cropCenter: [rng.uniform(half, 1 - half), rng.uniform(half, 1 - half)],
    rotation: (rng.uniform(-options.rotation, options.rotation) * Math.PI) / 180,
    zoom: rng.uniform(1 - options.zoom, 1 + options.zoom),
    brightness: rng.uniform(-options.brightness, options.brightness),
    contrast: rng.uniform(1 - options.contrast, 1 + options.contrast),
    frameIndices: temporalWindow(sourceFrames, frames, rng, options),
  };
}

/** The augmentation that changes nothing but picks the centred window: validation and test. */
export function identityAugmentation(sourceFrames: number, frames: number): ClipAugmentation {
  return {
    flip: false,
    cropScale: 1,
    cropCenter: [0.5, 0.5],
    rotation: 0,
    zoom: 1,
    brightness: 0,
    contrast: 1,
    frameIndices: temporalWindow(sourceFrames, frames),
  };
}

/**
 * `frames` source indices: stride 1 centred without `rng`; with it, a stride
 * from 1..maxStride whose window fits and a random start. A source shorter
 * than `frames` repeats its last frame.
 */
export function temporalWindow(
  sourceFrames: number,
  frames: number,
  rng?: Rng,
  options: Pick<Required<AugmentOptions>, 'maxStride' | 'startJitter'> = { maxStride: 1, startJitter: false },
): number[] {
  let stride = 1;
  if (rng && frames > 1) {
    const fits = Math.max(1, Math.min(options.maxStride, Math.floor((sourceFrames - 1) / (frames - 1))));
    stride = rng.int(1, fits);
  }
  const span = (frames - 1) * stride + 1;
  const room = Math.max(0, sourceFrames - span);
  const start = rng && options.startJitter ? rng.int(0, room) : Math.floor(room / 2);
  return Array.from({ length: frames }, (_, k) => Math.min(sourceFrames - 1, start + k * stride));
}

/** Output size and optional per-channel normalisation for {@link transformClip}. */
export interface TransformTarget {
  readonly height: number;
  readonly width: number;
  /** Per-channel mean and std in 0..1 units; the output becomes (v - mean) / std. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

/**
 * Applies `aug` to a `[T,H,W,C]` uint8 clip and returns `[T',H',W',C]`
 * float32 (T' = `aug.frameIndices.length`, H'/W' from `target`), values in
 * 0..1 or normalised when `target` has mean/std. The spatial mapping is
 * computed once and reused for every frame, so all frames move together.
 * With `out`, writes there from `offset` (a slot of a batch buffer) and
 * returns `out` instead of allocating: less garbage per clip, steadier memory.
 */
export function transformClip(
  clip: Uint8Array,
  shape: readonly [number, number, number, number],
  aug: ClipAugmentation,
  target: TransformTarget,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const [, height, width, channels] = shape;
  const { height: outH, width: outW } = target;
  const frameIn = height * width * channels;
  const frameOut = outH * outW * channels;
  const length = aug.frameIndices.length * frameOut;
  if (out && out.length < offset + length) {
    throw new RangeError(`out holds ${out.length} values; the clip needs ${length} from offset ${offset}`);
  }
  const dest = out ?? new Float32Array(offset + length);
  const gain = aug.contrast / 255;
  const bias = 0.5 - 0.5 * aug.contrast + aug.brightness;
  const mean = Float32Array.from({ length: channels }, (_, c) => target.mean?.[c] ?? 0);
  const invStd = Float32Array.from({ length: channels }, (_, c) => 1 / (target.std?.[c] ?? 1));
  // Brightness/contrast act in 0..1 and clamp to what a camera could record; normalisation comes after.
  const value = (byte: number, c: number): number =>
    (Math.min(1, Math.max(0, gain * byte + bias)) - (mean[c] as number)) * (invStd[c] as number);
  const identity =
    outH === height &&
    outW === width &&
    !aug.flip &&
    aug.cropScale === 1 &&
    aug.rotation === 0 &&
    aug.zoom === 1 &&
    aug.cropCenter[0] === 0.5 &&
    aug.cropCenter[1] === 0.5;
  if (identity) {
    aug.frameIndices.forEach((source, t) => {
      const base = source * frameIn;
      for (let p = 0; p < frameIn; p++) dest[offset + t * frameOut + p] = value(clip[base + p] as number, p % channels);
    });
    return dest;
  }
  const map = bilinearMap(height, width, outH, outW, aug);
  aug.frameIndices.forEach((source, t) => {
    const base = source * frameIn;
    for (let o = 0; o < outH * outW; o++) {
      const k = o * 4;
      for (let c = 0; c < channels; c++) {
        let v = 0;
        for (let n = 0; n < 4; n++)
          v += (map.weights[k + n] as number) * (clip[base + (map.pixels[k + n] as number) * channels + c] as number);
        dest[offset + t * frameOut + o * channels + c] = value(v, c);
      }
    }
  });
  return dest;
}

/**
 * For each output pixel, the 4 source pixels and bilinear weights it blends:
 * output → crop (scale, centre, zoom) → rotation about the crop centre →
 * flip, clamped to the frame edge.
 */
function bilinearMap(
  height: number,
  width: number,
  outH: number,
  outW: number,
  aug: ClipAugmentation,
): { pixels: Int32Array; weights: Float32Array } {
  const pixels = new Int32Array(outH * outW * 4);
  const weights = new Float32Array(outH * outW * 4);
  const extentX = (aug.cropScale * width) / aug.zoom;
  const extentY = (aug.cropScale * height) / aug.zoom;
  const cx = aug.cropCenter[0] * width;
  const cy = aug.cropCenter[1] * height;
  const cos = Math.cos(aug.rotation);
  const sin = Math.sin(aug.rotation);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let u = ((x + 0.5) / outW - 0.5) * extentX;
      const v = ((y + 0.5) / outH - 0.5) * extentY;
      if (aug.flip) u = -u;
      // Image y points down, so this turns the content counter-clockwise on screen for positive angles.
      const sx = Math.min(width - 1, Math.max(0, cx + cos * u + sin * v - 0.5));
      const sy = Math.min(height - 1, Math.max(0, cy - sin * u + cos * v - 0.5));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(width - 1, x0 + 1);
      const y1 = Math.min(height - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const k = (y * outW + x) * 4;
      pixels[k] = y0 * width + x0;
      pixels[k + 1] = y0 * width + x1;
      pixels[k + 2] = y1 * width + x0;
      pixels[k + 3] = y1 * width + x1;
      weights[k] = (1 - fx) * (1 - fy);
      weights[k + 1] = fx * (1 - fy);
      weights[k + 2] = (1 - fx) * fy;
      weights[k + 3] = fx * fy;
    }
  }
  return { pixels, weights };
}
