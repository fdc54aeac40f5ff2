/**
 * Which frames make a clip: pure functions from a frame count to indices,
 * and a string-keyed registry of them.
 */
import type { Rng } from '../util/random';

export interface SamplerOptions {
  /** Frames per clip (N). */
  readonly frames: number;
  /** Step between consecutive frames of one clip. @default 1 */
  readonly stride?: number;
  /** Step between clip starts for `dense`. @default frames * stride */
  readonly step?: number;
  /** Random source for `random`. */
  readonly rng?: Rng;
}

/**
 * Returns one or more clips as frame indices into a video of `total` frames.
 * Short videos repeat frames (indices stay in order) rather than failing.
 */
export type ClipSampler = (total: number, options: SamplerOptions) => number[][];

/** N frames spread evenly over the whole video (centre of N equal segments). */
export function uniformIndices(total: number, frames: number): number[] {
  checkCounts(total, frames);
  return Array.from({ length: frames }, (_, i) => Math.min(total - 1, Math.floor(((i + 0.5) * total) / frames)));
}

/** N frames `stride` apart from a random start (the usual training-time sampler). */
export function randomClipIndices(total: number, frames: number, stride: number, rng: Rng): number[] {
  checkCounts(total, frames);
  const span = (frames - 1) * stride + 1;
  const start = span >= total ? 0 : rng.int(0, total - span);
  return Array.from({ length: frames }, (_, i) => Math.min(total - 1, start + i * stride));
}

/** Every window of N frames `stride` apart, starting each `step` frames (evaluation by averaging windows). */
export function denseClipIndices(total: number, frames: number, stride: number, step: number): number[][] {
  checkCounts(total, frames);
  if (!(step >= 1)) throw new Error(`dense sampling step must be >= 1, got ${step}`);
  const span = (frames - 1) * stride + 1;
  const clips: number[][] = [];
  for (let start = 0; start === 0 || start + span <= total; start += step) {
    clips.push(Array.from({ length: frames }, (_, i) => Math.min(total - 1, start + i * stride)));
  }
  return clips;
}

const samplers = new Map<string, ClipSampler>();

/** Adds a sampler under `name`; a name can be registered once. */
export function registerSampler(name: string, sampler: ClipSampler): void {
  if (samplers.has(name)) throw new Error(`clip sampler "${name}" is already registered`);
  samplers.set(name, sampler);
}

/** The sampler called `name`, or an error listing the registered ones. */
export function getSampler(name: string): ClipSampler {
  const sampler = samplers.get(name);
  if (!sampler) throw new Error(`unknown clip sampler "${name}"; choose from ${[...samplers.keys()].join(', ')}`);
  return sampler;
}

registerSampler('uniform', (total, o) => [uniformIndices(total, o.frames)]);
registerSampler('random', (total, o) => {
  if (!o.rng) throw new Error('the random clip sampler needs an rng (createRng(seed))');
  return [randomClipIndices(total, o.frames, o.stride ?? 1, o.rng)];
});
registerSampler('dense', (total, o) =>
  denseClipIndices(total, o.frames, o.stride ?? 1, o.step ?? o.frames * (o.stride ?? 1)),
);

function checkCounts(total: number, frames: number): void {
  if (!(Number.isInteger(total) && total >= 1)) throw new Error(`a video needs >= 1 frame to sample, got ${total}`);
  if (!(Number.isInteger(frames) && frames >= 1)) throw new Error(`frames per clip must be >= 1, got ${frames}`);
}
