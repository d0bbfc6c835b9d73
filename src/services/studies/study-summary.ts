import { parse } from 'csv-parse/sync';
import { UserInputError } from '../../errors';
import { pairedTTest, summarize } from '../../numeric/stats';
import { PAPER_TABLE4, paperDataset } from './paper-results';
import { AUTO_FOLDS_HEADER, AUTO_FOLDS_SUMMARY } from './study-report';

/**
 * Issue 13's table across datasets: for every study report's automatic-configuration part, auto
 * SSL against the best tuned baseline, the CNN from scratch and the paper's settings, per label
 * fraction, from the per-fold results each report carries. It reads committed reports, so
 * studies run in different sessions (on different databases) can be compared.
 */

/** Per-fold accuracies and macro F1 of one model at one label fraction. */
export interface FoldScores {
  readonly accuracy: number[];
  readonly macroF1: number[];
}

export interface AutoResults {
  readonly dataset: string;
  /** fraction -> model -> scores, in the report's order. */
  readonly fractions: Map<number, Map<string, FoldScores>>;
}

/** The CNN variants of the auto part; every other model in it is a baseline. */
const CNN_MODELS = new Set(['ssl', 'supervised', 'paper']);

/** Reads the dataset name and the per-fold results block of a study report; null when it has none. */
export function parseAutoResults(report: string): AutoResults | null {
  const dataset = /^Dataset \*\*(.+?)\*\*/m.exec(report)?.[1];
  const start = report.indexOf(AUTO_FOLDS_SUMMARY);
  if (start < 0) return null;
  const block = /```csv\n([\s\S]*?)```/.exec(report.slice(start))?.[1];
  if (!dataset || !block || !block.startsWith(AUTO_FOLDS_HEADER)) throw new UserInputError('the report\'s per-fold results block is malformed');
  const rows = parse(block, { columns: true, skip_empty_lines: true, cast: true }) as { fraction: number; model: string; fold: number; accuracy: number; macro_f1: number }[];
  const fractions = new Map<number, Map<string, FoldScores>>();
  for (const row of rows) {
    const models = fractions.get(row.fraction) ?? new Map<string, FoldScores>();
    fractions.set(row.fraction, models);
    const scores = models.get(row.model) ?? { accuracy: [], macroF1: [] };
    models.set(row.model, scores);
    scores.accuracy[row.fold - 1] = row.accuracy;
    scores.macroF1[row.fold - 1] = row.macro_f1;
  }
  return { dataset, fractions };
}

const mean = (values: readonly number[]): number => summarize(values).mean;

/** One dataset and label fraction of the summary. */
export interface SummaryRow {
  readonly dataset: string;
  readonly fraction: number;
  /** Mean accuracy over folds (null: not in the report). */
  readonly autoSsl: number | null;
  readonly bestBaseline: { readonly model: string; readonly accuracy: number } | null;
  readonly scratch: number | null;
  readonly paperSettings: number | null;
  /** Auto SSL minus the best baseline and minus the CNN from scratch, paired over the folds. */
  readonly versusBaseline: Comparison | null;
  readonly versusScratch: Comparison | null;
  /** What keeps this row from issue 13's target (empty: met; null: auto SSL or baselines missing). */
  readonly shortfalls: string[] | null;
}

export interface Comparison {
  readonly difference: number;
  /** Paired t-test over the folds (null: fewer than two paired folds). */
  readonly pValue: number | null;
}

function compare(a: FoldScores, b: FoldScores): Comparison {
  const paired = a.accuracy.length === b.accuracy.length && a.accuracy.length >= 2;
  return { difference: mean(a.accuracy) - mean(b.accuracy), pValue: paired ? pairedTTest(a.accuracy, b.accuracy).pValue : null };
}

/**
 * One row per dataset and label fraction (most labels first). The target is issue 13's: auto SSL
 * at least equal to the best tuned baseline, above the CNN from scratch, and at 100 % of the
 * labels at least the paper's SSL figure where the paper has one.
 */
export function summaryRows(results: readonly AutoResults[]): SummaryRow[] {
  return results.flatMap(({ dataset, fractions }) =>
    [...fractions].sort((a, b) => b[0] - a[0]).map(([fraction, models]): SummaryRow => {
      const ssl = models.get('ssl');
      const scratch = models.get('supervised');
      const [bestName, best] = [...models].filter(([name]) => !CNN_MODELS.has(name)).sort((a, b) => mean(b[1].accuracy) - mean(a[1].accuracy))[0] ?? [];
      const paperColumn = paperDataset(dataset);
      const paperSsl = fraction >= 1 && paperColumn ? PAPER_TABLE4.ssl[paperColumn][0] : undefined;
      let shortfalls: string[] | null = null;
      if (ssl && best) {
        const accuracy = mean(ssl.accuracy);
        shortfalls = [];
        if (accuracy < mean(best.accuracy)) shortfalls.push(`${(mean(best.accuracy) - accuracy).toFixed(3)} below ${bestName}`);
        if (scratch && accuracy <= mean(scratch.accuracy)) shortfalls.push('not above scratch');
        if (paperSsl !== undefined && accuracy < paperSsl) shortfalls.push(`${(paperSsl - accuracy).toFixed(3)} below the paper's ${paperSsl}`);
      }
      const paper = models.get('paper');
      return {
        dataset,
        fraction,
        autoSsl: ssl ? mean(ssl.accuracy) : null,
        bestBaseline: best ? { model: bestName!, accuracy: mean(best.accuracy) } : null,
        scratch: scratch ? mean(scratch.accuracy) : null,
        paperSettings: paper ? mean(paper.accuracy) : null,
        versusBaseline: ssl && best ? compare(ssl, best) : null,
        versusScratch: ssl && scratch ? compare(ssl, scratch) : null,
        shortfalls,
      };
    }),
  );
}

function difference(c: Comparison | null): string {
  if (!c) return '-';
  const d = `${c.difference >= 0 ? '+' : ''}${c.difference.toFixed(3)}`;
  return c.pValue === null ? d : `${d} (p = ${c.pValue.toPrecision(2)})`;
}

function cell(scores: FoldScores | undefined): string {
  if (!scores) return '-';
  const s = summarize(scores.accuracy);
  return `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}`;
}

/** The Markdown table of summaryRows, with each CNN's spread over folds. */
export function studySummary(results: readonly AutoResults[]): string {
  const lines = [
    '| dataset | labels | best baseline | auto SSL | auto SSL - best baseline | auto CNN from scratch | auto SSL - scratch | SSL at the paper\'s settings | target |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const rows = summaryRows(results);
  for (const row of rows) {
    const models = results.find((r) => r.dataset === row.dataset)!.fractions.get(row.fraction)!;
    const target = row.shortfalls === null ? '-' : row.shortfalls.length === 0 ? 'met' : `short: ${row.shortfalls.join('; ')}`;
    lines.push(
      `| ${row.dataset} | ${row.fraction * 100} % | ${row.bestBaseline ? `${row.bestBaseline.model} ${row.bestBaseline.accuracy.toFixed(4)}` : '-'} | ${cell(models.get('ssl'))} | ${difference(row.versusBaseline)} | ${cell(
        models.get('supervised'),
      )} | ${difference(row.versusScratch)} | ${cell(models.get('paper'))} | ${target} |`,
    );
  }
  const judged = rows.filter((r) => r.shortfalls !== null);
  lines.push('', `Target met in ${judged.filter((r) => r.shortfalls!.length === 0).length} of ${judged.length} dataset and label-fraction rows. Differences are in accuracy, paired over the same folds (t-test p).`);
  return lines.join('\n');
}
