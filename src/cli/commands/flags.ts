/** Flag parsers shared by the data commands; bad values become UsageErrors that show the value. */
import { UsageError } from '../command';

/** `32x32` → { width: 32, height: 32 }. */
export function parseSize(text: string, flag: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/i.exec(text.trim());
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || !(width > 0) || !(height > 0))
    throw new UsageError(`${flag} must look like 32x32 (WIDTHxHEIGHT), got "${text}"`);
  return { width, height };
}

export function positiveIntFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a whole number >= 1, got "${text}"`);
  return value;
}
