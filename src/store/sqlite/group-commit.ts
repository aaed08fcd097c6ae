// Group commit: writes that arrive in the same turn of the event loop are committed in one transaction, so one
// fsync acknowledges all of them. Each write still succeeds or fails on its own; callers are answered only after
// the commit is durable.

/** Commits ops in one transaction; per op either its result or the error that refused it (the others still
 * commit). Throws if the transaction as a whole failed: then no op was committed. */
export type CommitBatch<Op, Result> = (ops: readonly Op[]) => Array<{ ok: Result } | { err: unknown }>;

interface Waiter<Op, Result> {
  op: Op;
  resolve(r: Result): void;
  reject(err: unknown): void;
}

export class GroupCommit<Op, Result> {
  private queue: Waiter<Op, Result>[] = [];
  private scheduled = false;

  constructor(
    private readonly commit: CommitBatch<Op, Result>,
    /** Bounds how long one transaction holds the event loop. */
    private readonly maxBatch = 512,
  ) {}

  submit(op: Op): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after the current turn's microtasks: every writer woken by the last commit has
        // queued its next write by then.
        setImmediate(() => this.flushOne());
      }
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Commit everything queued now, synchronously (used on close). */
  drain(): void {
    while (this.queue.length > 0) this.runBatch();
  }

  private flushOne(): void {
    this.scheduled = false;
    this.runBatch();
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushOne()); // let reads and I/O in between large bursts
    }
  }

  private runBatch(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    let outcomes: ReturnType<CommitBatch<Op, Result>>;
    try {
      outcomes = this.commit(batch.map((w) => w.op));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (o && 'ok' in o) w.resolve(o.ok);
      else w.reject(o ? o.err : new Error('group commit returned no outcome'));
    });
  }
}
