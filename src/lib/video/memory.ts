/** How much memory a dataset of clips takes loaded whole versus streamed. */

export interface MemoryOptions {
  /** Frames per clip. */
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  /** @default 3 */
  readonly channels?: number;
  /** @default 'float32' (what models take) */
  readonly dtype?: 'uint8' | 'float32';
  /** Clips held at once when streaming (a batch plus prefetch). @default 64 */
  readonly inFlight?: number;
}

export interface MemoryEstimate {
  readonly bytesPerClip: number;
  /** Every clip in memory at once. */
  readonly wholeBytes: number;
  /** Only `inFlight` clips in memory. */
  readonly streamedBytes: number;
}

/** Bytes for `clips` clips (a count or anything with `items`), whole versus streamed. */
export function estimateMemory(
  dataset: number | { readonly items: readonly unknown[] },
  options: MemoryOptions,
): MemoryEstimate {
  const clips = typeof dataset === 'number' ? dataset : dataset.items.length;
  const bytesPerValue = (options.dtype ?? 'float32') === 'float32' ? 4 : 1;
  const bytesPerClip = options.frames * options.width * options.height * (options.channels ?? 3) * bytesPerValue;
  return {
    bytesPerClip,
    wholeBytes: bytesPerClip * clips,
    streamedBytes: bytesPerClip * Math.min(clips, options.inFlight ?? 64),
  };
}
