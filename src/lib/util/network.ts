/**
 * How long any network request may go without a byte (no connection, no
 * answer, a body that stops) before it is given up and retried: 15 s. With
 * the bounded retries of the S3 client and of downloads, a server that
 * stalls fails a command within 2 minutes, naming it. ACTLAB_NET_TIMEOUT_MS
 * overrides it (tests use a fraction of a second).
 */
export function stallTimeoutMs(): number {
  const set = Number(process.env.ACTLAB_NET_TIMEOUT_MS);
  return Number.isFinite(set) && set > 0 ? set : 15_000;
}

/**
 * A signal that aborts when `touch()` has not been called for `ms` (or when
 * `outer` aborts): arm it before a request and touch it on every chunk.
 */
export function stallWatch(ms: number, outer?: AbortSignal): { signal: AbortSignal; touch(): void; stop(): void } {
  const watchdog = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(
      () => watchdog.abort(new StalledError(`no data for ${formatSeconds(ms)} (the server stalled)`)),
      ms,
    );
    timer.unref();
  };
  touch();
  outer?.addEventListener('abort', () => watchdog.abort(outer.reason), { once: true });
  return {
    signal: watchdog.signal,
    touch,
    stop: () => clearTimeout(timer),
  };
}

/** A request got no byte for the stall timeout. */
export class StalledError extends Error {
  override name = 'StalledError';
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
