// A small FIFO limiter so a page of charts does not queue hundreds of requests at once.
export class Limiter {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.max) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.active++;
    try {
      if (signal?.aborted) throw new DOMException("aborted", "AbortError");
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export const seriesLimiter = new Limiter(4);

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === "AbortError";
}
