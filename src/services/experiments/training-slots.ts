import * as os from 'node:os';
import { CancelledError } from '../../errors';

/** One fold's claim: who asks (fairness is between groups) and its estimated working set. */
export interface SlotRequest {
  /** Requests of one group (an experiment) share; groups take turns. */
  readonly group: string;
  /** Estimated bytes the fold needs while it trains (see fold-memory.ts). */
  readonly bytes: number;
}

export interface TrainingSlotsOptions {
  /** Folds trained at once at most (default: the machine's cores). */
  readonly slots: number;
  /** Bytes free for new work now (default os.freemem, MemAvailable on Linux); injectable for tests. */
  readonly freeMemory?: () => number;
  /** While a fold waits for memory only, free memory is looked at again this often. */
  readonly memoryRecheckMs?: number;
}

interface Waiter extends SlotRequest {
  readonly arrival: number;
  readonly grant: () => void;
}

/**
 * The machine's training slots, shared by the folds of every running experiment. A fold starts
 * when a slot is free and its estimated working set fits in free memory beside the folds already
 * running (their estimates count in full even though part of them is already allocated, which
 * errs towards starting fewer). The first fold always starts, so a set larger than memory still
 * runs, one fold at a time. Among waiting folds, the group with the fewest running goes first
 * (then the longest waiting), so a short baseline queued beside a study gets the next free slot.
 */
export class TrainingSlots {
  private readonly capacity: number;
  private readonly freeMemory: () => number;
  private readonly memoryRecheckMs: number;
  private readonly waiting: Waiter[] = [];
  private readonly runningByGroup = new Map<string, number>();
  private running = 0;
  private heldBytes = 0;
  private arrivals = 0;
  private recheck: NodeJS.Timeout | null = null;

  constructor(options: TrainingSlotsOptions) {
    if (!Number.isInteger(options.slots) || options.slots < 1) throw new Error(`training slots must be >= 1, got ${options.slots}`);
    this.capacity = options.slots;
    this.freeMemory = options.freeMemory ?? os.freemem;
    this.memoryRecheckMs = options.memoryRecheckMs ?? 2000;
  }

  /** Runs `work` once a slot is granted; the slot is released when it settles. */
  async run<T>(request: SlotRequest, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    await this.acquire(request, signal);
    try {
      return await work();
    } finally {
      this.release(request);
    }
  }

  private acquire(request: SlotRequest, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new CancelledError());
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiting.indexOf(waiter);
        if (index < 0) return;
        this.waiting.splice(index, 1);
        reject(new CancelledError());
        this.pump();
      };
      const waiter: Waiter = {
        ...request,
        arrival: this.arrivals++,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.pump();
    });
  }

  private release(request: SlotRequest): void {
    this.running--;
    this.heldBytes -= request.bytes;
    const left = (this.runningByGroup.get(request.group) ?? 1) - 1;
    if (left > 0) this.runningByGroup.set(request.group, left);
    else this.runningByGroup.delete(request.group);
    this.pump();
  }

  private pump(): void {
    this.stopRecheck();
    while (this.running < this.capacity && this.waiting.length > 0) {
      const next = this.nextInTurn();
      if (this.running > 0 && this.heldBytes + next.bytes > this.freeMemory()) {
        // Waiting for memory, not for a slot: look again later, since other processes free memory too.
        this.recheck = setTimeout(() => this.pump(), this.memoryRecheckMs).unref();
        return;
      }
      this.waiting.splice(this.waiting.indexOf(next), 1);
      this.running++;
      this.heldBytes += next.bytes;
      this.runningByGroup.set(next.group, (this.runningByGroup.get(next.group) ?? 0) + 1);
      next.grant();
    }
  }

  /** The waiter of the group with the fewest folds running, the earliest among equals. */
  private nextInTurn(): Waiter {
    let best = this.waiting[0];
    let bestRunning = this.runningByGroup.get(best.group) ?? 0;
    for (const waiter of this.waiting) {
      const running = this.runningByGroup.get(waiter.group) ?? 0;
      if (running < bestRunning || (running === bestRunning && waiter.arrival < best.arrival)) {
        best = waiter;
        bestRunning = running;
      }
    }
    return best;
  }

  private stopRecheck(): void {
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = null;
  }
}
