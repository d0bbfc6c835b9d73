import { SingleBar } from 'cli-progress';

/**
 * Progress on stderr: a cli-progress bar redrawn in place on a terminal; on anything else (a
 * pipe, a file, CI's log) no bar at all, but one plain line whenever the text changes, so that
 * nothing is garbled by carriage returns or escape codes.
 */
export class Progress {
  private bar: SingleBar | null = null;
  private lastKey = '';

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  /**
   * share: 0 to 1; text: what is happening now; key: off a terminal, a new line is written only
   * when the key changes (by default the text).
   */
  update(share: number, text: string, key = text): void {
    const percent = Math.round(Math.max(0, Math.min(1, share)) * 1000) / 10;
    if (this.stream.isTTY) {
      if (!this.bar) {
        this.bar = new SingleBar({ stream: this.stream, format: '{bar} {percentage}% | {text}', barsize: 30, hideCursor: true, linewrap: false, etaBuffer: 20 });
        this.bar.start(100, percent, { text });
      } else {
        this.bar.update(percent, { text });
      }
      return;
    }
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.stream.write(`${text} (${Math.floor(percent)}%)\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** An experiment's progress event, as experimentProgress sends it. */
export interface ExperimentProgressEvent {
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

/** The share done and the line to show for an experiment's progress event. */
export function describeExperimentProgress(p: ExperimentProgressEvent): { share: number; text: string; key: string } {
  const epochShare = p.epoch !== null && p.epochs ? p.epoch / p.epochs : 0;
  const share = p.foldsTotal > 0 ? Math.min(1, (p.foldsDone + (p.stage ? epochShare * 0.999 : 0)) / p.foldsTotal) : 0;
  const where = p.fold !== null ? `fold ${p.fold + 1}/${p.foldsTotal}` : `${p.foldsDone}/${p.foldsTotal} folds`;
  const stage = p.stage ? ` ${p.stage} epoch ${p.epoch}/${p.epochs}` : '';
  const numbers = p.loss !== null ? ` loss ${p.loss.toFixed(4)}${p.accuracy !== null ? ` acc ${p.accuracy.toFixed(3)}` : ''}` : '';
  // Off a terminal: one line whenever the fold, stage or status changes, not one per epoch.
  return { share, text: `${where}${stage}${numbers} ${p.status.toLowerCase()}`, key: `${p.fold}:${p.stage}:${p.status}` };
}
