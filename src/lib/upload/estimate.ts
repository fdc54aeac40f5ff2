/**
 * What an upload would take over the internet, from the counts a local run
 * measured: every request waits at least one round trip (a few run side by
 * side), and the bytes go at the uplink's speed. Over loopback the round
 * trip is a fraction of a millisecond, so a local run hides the cost of
 * many small requests; this arithmetic puts it back.
 */
import { MB } from './throughput';

export interface UploadEstimateOptions {
  /** HTTP requests the upload makes (counted on a local run). */
  readonly requests: number;
  /** Bytes it sends. */
  readonly bytes: number;
  /** Round trip to the bucket in milliseconds (same continent: 20–80; across an ocean: 150–250). @default 50 */
  readonly roundTripMs?: number;
  /** Upload bandwidth in MB/s (MiB per second). @default 2.5 (about 20 Mbit/s, a home uplink) */
  readonly uplinkMBps?: number;
  /** Requests in flight at once. @default 4 (`uploadDirectory`'s default) */
  readonly concurrency?: number;
}

export interface UploadEstimate {
  /** Time spent waiting on round trips: requests × round trip ÷ concurrency. */
  readonly waitingSeconds: number;
  /** Time spent pushing bytes: bytes ÷ uplink. */
  readonly sendingSeconds: number;
  /** Their sum: an estimate from below (TLS handshakes, retries and slow starts add to it). */
  readonly seconds: number;
}

/** Estimates an upload's wall time from its request and byte counts (see the file comment for the model). */
export function estimateUpload(options: UploadEstimateOptions): UploadEstimate {
  const roundTripMs = options.roundTripMs ?? 50;
  const uplinkMBps = options.uplinkMBps ?? 2.5;
  const concurrency = options.concurrency ?? 4;
  const checks: Array<[string, number, boolean]> = [
    ['requests', options.requests, Number.isSafeInteger(options.requests) && options.requests >= 0],
    ['bytes', options.bytes, Number.isFinite(options.bytes) && options.bytes >= 0],
    ['roundTripMs', roundTripMs, Number.isFinite(roundTripMs) && roundTripMs >= 0],
    ['uplinkMBps', uplinkMBps, Number.isFinite(uplinkMBps) && uplinkMBps > 0],
    ['concurrency', concurrency, Number.isSafeInteger(concurrency) && concurrency >= 1],
  ];
  for (const [name, value, ok] of checks) {
    if (!ok)
      throw new Error(
        `estimateUpload: ${name} must be a non-negative number (concurrency and uplinkMBps above 0), got ${value}`,
      );
  }
  const waitingSeconds = (options.requests * roundTripMs) / 1000 / concurrency;
  const sendingSeconds = options.bytes / MB / uplinkMBps;
  return { waitingSeconds, sendingSeconds, seconds: waitingSeconds + sendingSeconds };
}
