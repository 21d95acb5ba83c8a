/** Exponential backoff with full jitter: before attempt n+1 (n >= 1) wait a uniformly random
 * time between 0 and min(cap, initial * multiplier ** (n - 1)) milliseconds. */
export interface Backoff {
  initialMs: number;
  multiplier: number;
  capMs: number;
}

export const RETRY: Backoff = { initialMs: 200, multiplier: 2, capMs: 10_000 };
export const RECONNECT: Backoff = { initialMs: 500, multiplier: 2, capMs: 30_000 };

export function backoffDelay(policy: Backoff, failures: number, random = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.initialMs * policy.multiplier ** Math.max(0, failures - 1));
  return random() * ceiling;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A wake-up call: wait() resolves at the next notify(). */
export class Signal {
  private waiters: Array<() => void> = [];
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (timeoutMs !== undefined) setTimeout(resolve, timeoutMs);
    });
  }
}
