/** How StatementCoalescer runs its items: one alone, several in one statement. */
export interface CoalescedStatement<I, O> {
  /** The statement for one item (also what each item of a failed batch falls back to). */
  one(item: I): Promise<O>;
  /** One statement for several items; its results in the items' order. */
  many(items: readonly I[]): Promise<O[]>;
  /** Items sharing a key never go into the same batch (the batch statement maps results by them). */
  keys(item: I): readonly string[];
  /** Largest batch; default 100. */
  maxBatch?: number;
  /** Told how each statement ran: a batch, an item alone, or the items of a failed batch each alone (with the batch's error). */
  ran?(how: 'batch' | 'alone' | 'batch-failed', items: number, error?: unknown): void;
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Runs a statement for items submitted concurrently, coalesced: an item submitted while nothing
 * is running goes alone at once (no waiting at low load); items submitted while a statement is
 * running wait for it and then go together, as one statement. Under load a stage has many events
 * in hand (HubConsumer works on many keys at once), and each paid its own round trip, parse-free
 * execution and commit; coalesced, they pay one (docs/benchmarks.md). If a batch statement fails,
 * each of its items is run alone, so one item's failure (an unknown message) is that item's only,
 * with its own error, exactly as without coalescing.
 */
export class StatementCoalescer<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private running = false;
  private readonly maxBatch: number;

  constructor(private readonly statement: CoalescedStatement<I, O>) {
    this.maxBatch = Math.max(1, statement.maxBatch ?? 100);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) await this.run(this.takeBatch());
    } finally {
      this.running = false;
    }
  }

  /** The next batch: waiting items in order, skipping (for a later batch) any that shares a key with one taken. */
  private takeBatch(): Waiting<I, O>[] {
    const batch: Waiting<I, O>[] = [];
    const taken = new Set<string>();
    for (let i = 0; i < this.waiting.length && batch.length < this.maxBatch; ) {
      const keys = this.statement.keys(this.waiting[i]!.item);
      if (keys.some((k) => taken.has(k))) {
        i++;
        continue;
      }
      keys.forEach((k) => taken.add(k));
      batch.push(...this.waiting.splice(i, 1));
    }
    return batch;
  }

  private async run(batch: Waiting<I, O>[]): Promise<void> {
    if (batch.length > 1) {
      let results: O[] | undefined;
      try {
        results = await this.statement.many(batch.map((w) => w.item));
      } catch (error) {
        // Each alone: the item that made the batch fail gets its own error, the others their results.
        this.statement.ran?.('batch-failed', batch.length, error);
      }
      if (results) {
        this.statement.ran?.('batch', batch.length);
        batch.forEach((w, i) => w.resolve(results[i]!));
        return;
      }
    } else {
      this.statement.ran?.('alone', 1);
    }
    await Promise.all(batch.map((w) => this.statement.one(w.item).then(w.resolve, w.reject)));
  }
}
