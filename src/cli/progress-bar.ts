/** A one-line progress display: redrawn in place on a terminal, one line per stage otherwise. */
export interface ProgressLine {
  readonly status: string;
  readonly foldsDone: number;
  readonly foldsTotal: number;
  readonly fold: number | null;
  readonly stage: string | null;
  readonly epoch: number | null;
  readonly epochs: number | null;
  readonly loss: number | null;
  readonly accuracy: number | null;
}

export class ProgressBar {
  private lastPlainKey = '';

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly width = 30,
  ) {}

  update(p: ProgressLine): void {
    const epochShare = p.epoch !== null && p.epochs ? p.epoch / p.epochs : 0;
    const share = p.foldsTotal > 0 ? Math.min(1, (p.foldsDone + (p.stage ? epochShare * 0.999 : 0)) / p.foldsTotal) : 0;
    const filled = Math.round(share * this.width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%`;
    const where = p.fold !== null ? ` fold ${p.fold + 1}/${p.foldsTotal}` : ` ${p.foldsDone}/${p.foldsTotal} folds`;
    const stage = p.stage ? ` ${p.stage} epoch ${p.epoch}/${p.epochs}` : '';
    const numbers = p.loss !== null ? ` loss ${p.loss.toFixed(4)}${p.accuracy !== null ? ` acc ${p.accuracy.toFixed(3)}` : ''}` : '';
    const text = `${bar}${where}${stage}${numbers} ${p.status.toLowerCase()}`;
    if (this.out.isTTY) {
      this.out.write(`\r${text.padEnd((this.out.columns ?? 100) - 1).slice(0, (this.out.columns ?? 100) - 1)}`);
      return;
    }
    // Not a terminal: one line whenever the fold, stage or status changes.
    const key = `${p.fold}:${p.stage}:${p.status}`;
    if (key !== this.lastPlainKey) {
      this.lastPlainKey = key;
      this.out.write(`${text}\n`);
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
