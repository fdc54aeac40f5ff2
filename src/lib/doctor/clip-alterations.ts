/**
 * The altered clips the shortcut checks score a trained model on: frames
 * shuffled or reversed, one frame repeated, the person hidden (masks) or the
 * centre covered (no masks). Pure functions on `[T,H,W,C]` uint8 clips, 0..255,
 * row-major; each returns a new array and leaves its input alone.
 */
import { createRng } from '../util/random';

/** `[T,H,W,C]` of a clip. */
export type ClipShape = readonly [number, number, number, number];

/**
 * The frame order of clip `clip` shuffled, keyed by (seed, clip) so a clip gets
 * the same shuffle whatever the batch order. Never the identity (for T > 1): a
 * clip left intact would count as one the shuffle did not hurt.
 */
export function framePermutation(frames: number, seed: number, clip: number): number[] {
  const order = createRng(`${seed}:order:${clip}`).shuffle(Array.from({ length: frames }, (_, t) => t));
  if (frames > 1 && order.every((f, t) => f === t)) order.push(order.shift()!);
  return order;
}

/** The clip with frame `order[t]` at position t (`order` a permutation, or any list of frame indices). */
export function reorderFrames(clip: Uint8Array, shape: ClipShape, order: readonly number[]): Uint8Array {
  const frameLength = shape[1] * shape[2] * shape[3];
  const out = new Uint8Array(clip.length);
  order.forEach((from, t) => out.set(clip.subarray(from * frameLength, (from + 1) * frameLength), t * frameLength));
  return out;
}

/** Frame indices last to first. */
export const reversedOrder = (frames: number): number[] => Array.from({ length: frames }, (_, t) => frames - 1 - t);

/** The middle frame (T/2, rounded down) T times: what `plantBug('identical-frames')` feeds too. */
export const middleFrameOrder = (frames: number): number[] => Array<number>(frames).fill(Math.floor(frames / 2));

/** A mask value at or above this is the person: any coverage, so faint anti-aliased edges count too. */
const PERSON = 1;
/** Grey for a frame with no unmasked pixel to take the background colour from. */
const MID_GREY = 128;

/**
 * The clip with the person replaced by the background behind them.
 *
 * `mask` is `[T,H,W,1]` uint8, 255 where the person is (any value above 0
 * counts). It is dilated by 1 px (8-neighbourhood) first, so anti-aliased
 * edges go too. Each masked pixel then takes its value from the nearest frame
 * in time where that pixel is not masked (ties go to the earlier frame): a
 * person who moves uncovers the background they hid. A pixel masked in every
 * frame takes the mean colour of its own frame's unmasked pixels (mid grey
 * when the whole frame is masked).
 */
export function hidePerson(clip: Uint8Array, mask: Uint8Array, shape: ClipShape): Uint8Array {
  const [frames, height, width, channels] = shape;
  const pixels = height * width;
  if (clip.length !== frames * pixels * channels || mask.length !== frames * pixels) {
    throw new Error(
      `hidePerson: a [${shape}] clip has ${frames * pixels * channels} bytes and its [${frames},${height},${width},1] ` +
        `mask ${frames * pixels}; got ${clip.length} and ${mask.length}`,
    );
  }
  const hidden = dilate(mask, frames, height, width);
  const background = frameMeans(clip, hidden, frames, pixels, channels);
  const out = clip.slice();
  // Per pixel, the last unmasked frame at or before t, then the first at or after t.
  const before = new Int32Array(frames);
  for (let p = 0; p < pixels; p++) {
    let last = -1;
    for (let t = 0; t < frames; t++) {
      if (!hidden[t * pixels + p]) last = t;
      before[t] = last;
    }
    let next = -1;
    for (let t = frames - 1; t >= 0; t--) {
      if (!hidden[t * pixels + p]) {
        next = t;
        continue;
      }
      const earlier = before[t]!;
      const from = earlier < 0 ? next : next < 0 || t - earlier <= next - t ? earlier : next;
      const at = (t * pixels + p) * channels;
      for (let c = 0; c < channels; c++) {
        out[at + c] = from < 0 ? background[t * channels + c]! : clip[(from * pixels + p) * channels + c]!;
      }
    }
  }
  return out;
}

/** 1 where the mask, grown by one pixel in each of the 8 directions, covers; per frame. */
function dilate(mask: Uint8Array, frames: number, height: number, width: number): Uint8Array {
  const out = new Uint8Array(frames * height * width);
  for (let t = 0; t < frames; t++) {
    const base = t * height * width;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (mask[base + y * width + x]! < PERSON) continue;
        for (let dy = Math.max(0, y - 1); dy <= Math.min(height - 1, y + 1); dy++) {
          for (let dx = Math.max(0, x - 1); dx <= Math.min(width - 1, x + 1); dx++) out[base + dy * width + dx] = 1;
        }
      }
    }
  }
  return out;
}

/** Mean colour `[T,C]` of each frame's pixels outside `hidden`, rounded; mid grey for a frame hidden whole. */
function frameMeans(clip: Uint8Array, hidden: Uint8Array, frames: number, pixels: number, channels: number) {
  const means = new Uint8Array(frames * channels).fill(MID_GREY);
  const sums = new Float64Array(channels);
  for (let t = 0; t < frames; t++) {
    sums.fill(0);
    let count = 0;
    for (let p = 0; p < pixels; p++) {
      if (hidden[t * pixels + p]) continue;
      count++;
      for (let c = 0; c < channels; c++) sums[c] += clip[(t * pixels + p) * channels + c]!;
    }
    if (count > 0) for (let c = 0; c < channels; c++) means[t * channels + c] = Math.round(sums[c]! / count);
  }
  return means;
}

/** The box {@link occludeCentre} covers: centred, each side √½ of the frame's, so half the area. */
export function centreBox(height: number, width: number): { y: number; x: number; height: number; width: number } {
  const boxHeight = Math.round(height * Math.SQRT1_2);
  const boxWidth = Math.round(width * Math.SQRT1_2);
  return {
    y: Math.floor((height - boxHeight) / 2),
    x: Math.floor((width - boxWidth) / 2),
    height: boxHeight,
    width: boxWidth,
  };
}

/**
 * The clip with the middle half of every frame's area ({@link centreBox})
 * filled with `colour` (one 0..255 value per channel): where the person
 * usually is when there are no masks to say.
 */
export function occludeCentre(clip: Uint8Array, shape: ClipShape, colour: readonly number[]): Uint8Array {
  const [frames, height, width, channels] = shape;
  const box = centreBox(height, width);
  const out = clip.slice();
  for (let t = 0; t < frames; t++) {
    for (let y = box.y; y < box.y + box.height; y++) {
      for (let x = box.x; x < box.x + box.width; x++) {
        const at = ((t * height + y) * width + x) * channels;
        for (let c = 0; c < channels; c++) out[at + c] = colour[c]!;
      }
    }
  }
  return out;
}
