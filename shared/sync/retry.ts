// Retries with exponential backoff and full jitter, for the failures a store or a network
// recovers from: 5xx, SlowDown/throttling, timeouts, connection resets, a wrong ETag.

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 100, maxMs: 10_000 };

export class VerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyError';
  }
}

const RETRYABLE_CODES = /^(SlowDown|Throttling|ThrottlingException|RequestTimeout|RequestTimeTooSkewed|InternalError|ServiceUnavailable|BadDigest|RequestTimeoutException|TimeoutError|NetworkingError)$/;
const RETRYABLE_NETWORK = /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|socket hang up|network|Failed to fetch|aborted|timed? ?out|premature close|other side closed|UND_ERR/i;

export function isRetryable(err: unknown): boolean {
  if (err instanceof VerifyError) return true;
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return true;
  if (e?.$retryable) return true;
  if (RETRYABLE_CODES.test(e?.name ?? '') || RETRYABLE_CODES.test(e?.code ?? '')) return true;
  return RETRYABLE_NETWORK.test(`${e?.code ?? ''} ${e?.message ?? ''}`);
}

// The abort listener goes when the wait ends: a long sync retries thousands of times on one signal.
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason ?? new Error('cancelled'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Run `task` until it succeeds, a failure is not retryable, or the attempts run out. */
export async function withRetry<T>(task: (attempt: number) => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, signal?: AbortSignal): Promise<{ value: T; retries: number }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { value: await task(attempt), retries: attempt };
    } catch (err) {
      if (signal?.aborted || attempt + 1 >= policy.attempts || !isRetryable(err)) throw err;
      const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
      await sleep(Math.random() * cap, signal);
    }
  }
}
