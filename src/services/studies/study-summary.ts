import { parse } from 'csv-parse/sync';
import { UserInputError } from '../../errors';
import { pairedTTest, summarize } from '../../numeric/stats';
import { PAPER_TABLE4, paperDataset } from './paper-results';
import { AUTO_FOLDS_HEADER, AUTO_FOLDS_SUMMARY, REPORT_GENERATED } from './study-report';

/**
 * Issue 13's table across datasets: for every study report's automatic-configuration part, auto
 * SSL against the best tuned baseline, the CNN from scratch and the paper's settings, per label
 * fraction. It reads committed reports, so studies run in different sessions (on different
 * databases) can be compared: from the per-fold results block where a report has one, else from
 * the report's own tables and paired tests (reports written before the block existed).
 */

export interface MeanStd {
  readonly mean: number;
  readonly std: number;
}

/** One model at one label fraction. */
export interface ModelScores {
  readonly accuracy: MeanStd;
  readonly macroF1: MeanStd;
  /** Per-fold accuracies (absent: the report predates its per-fold block). */
  readonly folds?: number[];
}

export interface Comparison {
  readonly difference: number;
  /** Paired t-test over the folds (null: fewer than two paired folds). */
  readonly pValue: number | null;
}

/** One label fraction of a report. */
export interface FractionResults {
  /** model -> scores, in the report's order. */
  readonly models: Map<string, ModelScores>;
  /** The report's own paired tests, used where there are no per-fold results. */
  readonly stated: { readonly versusBaseline?: Comparison & { readonly model: string }; readonly versusScratch?: Comparison };
}

export interface AutoResults {
  readonly dataset: string;
  /** Where it was read from (a report file), shown in the summary to tell two studies of one dataset apart. */
  readonly source?: string;
  /** When the report was generated (absent: it does not say); the newest report of a dataset and fraction is its current one. */
  readonly generatedAt?: string;
  readonly fractions: Map<number, FractionResults>;
}

/** The CNN variants of the auto part; every other model in it is a baseline. */
const CNN_MODELS = new Set(['ssl', 'supervised', 'paper']);

const AUTO_SECTION = '## Automatic configuration';
const GENERATED_AT = new RegExp(String.raw`${REPORT_GENERATED} (\d{4}-\d\d-\d\dT[\d:.]+Z)\.`);

/** Reads the automatic-configuration results of a study report; null when it has no such part. */
export function parseAutoResults(report: string, source?: string): AutoResults | null {
  const dataset = /^Dataset \*\*(.+?)\*\*/m.exec(report)?.[1];
  const section = autoSectionText(report);
  if (section === null) return null;
  if (!dataset) throw new UserInputError('the report names no dataset (a line "Dataset **name**")');
  const fractions = section.includes(AUTO_FOLDS_SUMMARY) ? fromFoldsBlock(section) : fromTables(section);
  const generatedAt = GENERATED_AT.exec(report)?.[1];
  return fractions.size > 0 ? { dataset, source, generatedAt, fractions } : null;
}

function autoSectionText(report: string): string | null {
  const start = report.indexOf(AUTO_SECTION);
  if (start < 0) return null;
  const end = report.indexOf('\n## ', start + AUTO_SECTION.length);
  return report.slice(start, end < 0 ? undefined : end);
}

function fromFoldsBlock(section: string): Map<number, FractionResults> {
  const block = /```csv\n([\s\S]*?)```/.exec(section.slice(section.indexOf(AUTO_FOLDS_SUMMARY)))?.[1];
  if (!block?.startsWith(AUTO_FOLDS_HEADER)) throw new UserInputError('the report\'s per-fold results block is malformed');
  const rows = parse(block, { columns: true, skip_empty_lines: true, cast: true }) as { fraction: number; model: string; fold: number; accuracy: number; macro_f1: number }[];
  const folds = new Map<number, Map<string, { accuracy: number[]; macroF1: number[] }>>();
  for (const row of rows) {
    const models = folds.get(row.fraction) ?? new Map<string, { accuracy: number[]; macroF1: number[] }>();
    folds.set(row.fraction, models);
    const scores = models.get(row.model) ?? { accuracy: [], macroF1: [] };
    models.set(row.model, scores);
    scores.accuracy[row.fold - 1] = row.accuracy;
    scores.macroF1[row.fold - 1] = row.macro_f1;
  }
  const meanStd = (values: number[]): MeanStd => {
    const { mean, std } = summarize(values);
    return { mean, std };
  };
  return new Map(
    [...folds].map(([fraction, models]) => [
      fraction,
      { models: new Map([...models].map(([model, s]) => [model, { accuracy: meanStd(s.accuracy), macroF1: meanStd(s.macroF1), folds: s.accuracy }])), stated: {} },
    ]),
  );
}

const NUMBER = String.raw`([\d.]+)`;
/** `| model | 0.9 ± 0.01 | 0.8 ± 0.02 | wall |`: a finished experiment's row (partial ones carry "(n folds, status)" and are left out). */
const MODEL_ROW = new RegExp(String.raw`^\| ([\w.-]+) \| ${NUMBER} ± ${NUMBER} \| ${NUMBER} ± ${NUMBER} \|`, 'gm');
const PAIRED = String.raw`: ([+-][\d.]+) accuracy on the same folds \(paired t-test p = ([\d.e+-]+)\)`;
const VERSUS_BASELINE = new RegExp(String.raw`^Auto SSL - best baseline \(([\w.-]+)\)${PAIRED}`, 'm');
const VERSUS_SCRATCH = new RegExp(String.raw`^Auto SSL - auto CNN from scratch${PAIRED}`, 'm');

function fromTables(section: string): Map<number, FractionResults> {
  const fractions = new Map<number, FractionResults>();
  for (const part of section.split(/^### /m).slice(1)) {
    const fraction = /^([\d.]+) % of the labels/.exec(part)?.[1];
    if (fraction === undefined) continue;
    const models = new Map<string, ModelScores>();
    for (const m of part.matchAll(MODEL_ROW)) {
      models.set(m[1]!, { accuracy: { mean: Number(m[2]), std: Number(m[3]) }, macroF1: { mean: Number(m[4]), std: Number(m[5]) } });
    }
    if (models.size === 0) continue;
    const baseline = VERSUS_BASELINE.exec(part);
    const scratch = VERSUS_SCRATCH.exec(part);
    fractions.set(Number(fraction) / 100, {
      models,
      stated: {
        versusBaseline: baseline ? { model: baseline[1]!, difference: Number(baseline[2]), pValue: Number(baseline[3]) } : undefined,
        versusScratch: scratch ? { difference: Number(scratch[1]), pValue: Number(scratch[2]) } : undefined,
      },
    });
  }
  return fractions;
}

/** One dataset and label fraction of the summary. */
export interface SummaryRow {
  readonly dataset: string;
  readonly source?: string;
  readonly generatedAt?: string;
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

/** Paired over the folds where both have them, else the report's own test (when it compared the same two models). */
function compare(a: ModelScores, b: ModelScores, stated: Comparison | undefined): Comparison {
  if (a.folds && b.folds) {
    const paired = a.folds.length === b.folds.length && a.folds.length >= 2;
    return { difference: a.accuracy.mean - b.accuracy.mean, pValue: paired ? pairedTTest(a.folds, b.folds).pValue : null };
  }
  return stated ?? { difference: a.accuracy.mean - b.accuracy.mean, pValue: null };
}

export interface SummaryOptions {
  /** Keep only the newest report's row of each dataset and label fraction (reports that do not say when they were generated count as oldest). */
  readonly latest?: boolean;
}

interface ScoredRow {
  readonly row: SummaryRow;
  readonly models: Map<string, ModelScores>;
}

/**
 * One row per report, dataset and label fraction (most labels first), or with `latest` one per
 * dataset and label fraction. The target is issue 13's: auto SSL at least equal to the best tuned
 * baseline, above the CNN from scratch, and at 100 % of the labels at least the paper's SSL figure
 * where the paper has one.
 */
export function summaryRows(results: readonly AutoResults[], options: SummaryOptions = {}): SummaryRow[] {
  return scoredRows(results, options).map(({ row }) => row);
}

function scoredRows(results: readonly AutoResults[], { latest = false }: SummaryOptions): ScoredRow[] {
  const all = results.flatMap((result) =>
    [...result.fractions].sort((a, b) => b[0] - a[0]).map(([fraction, scores]) => ({ row: summaryRow(result, fraction, scores), models: scores.models })),
  );
  if (!latest) return all;
  const newest = new Map<string, ScoredRow>();
  for (const scored of all) {
    const key = `${scored.row.dataset}\u0000${scored.row.fraction}`;
    const kept = newest.get(key);
    // ISO timestamps order as strings; on a tie (or no date) the report given later wins.
    if (!kept || (scored.row.generatedAt ?? '') >= (kept.row.generatedAt ?? '')) newest.set(key, scored);
  }
  return [...newest.values()].sort((a, b) => a.row.dataset.localeCompare(b.row.dataset) || b.row.fraction - a.row.fraction);
}

function summaryRow({ dataset, source, generatedAt }: AutoResults, fraction: number, { models, stated }: FractionResults): SummaryRow {
  const ssl = models.get('ssl');
  const scratch = models.get('supervised');
  const paper = models.get('paper');
  const [bestName, best] = [...models].filter(([name]) => !CNN_MODELS.has(name)).sort((a, b) => b[1].accuracy.mean - a[1].accuracy.mean)[0] ?? [];
  const paperColumn = paperDataset(dataset);
  const paperSsl = fraction >= 1 && paperColumn ? PAPER_TABLE4.ssl[paperColumn][0] : undefined;
  let shortfalls: string[] | null = null;
  if (ssl && best) {
    const accuracy = ssl.accuracy.mean;
    shortfalls = [];
    if (accuracy < best.accuracy.mean) shortfalls.push(`${(best.accuracy.mean - accuracy).toFixed(3)} below ${bestName}`);
    if (scratch && accuracy <= scratch.accuracy.mean) shortfalls.push('not above scratch');
    if (paperSsl !== undefined && accuracy < paperSsl) shortfalls.push(`${(paperSsl - accuracy).toFixed(3)} below the paper's ${paperSsl}`);
  }
  return {
    dataset,
    source,
    generatedAt,
    fraction,
    autoSsl: ssl ? ssl.accuracy.mean : null,
    bestBaseline: best ? { model: bestName!, accuracy: best.accuracy.mean } : null,
    scratch: scratch ? scratch.accuracy.mean : null,
    paperSettings: paper ? paper.accuracy.mean : null,
    versusBaseline: ssl && best ? compare(ssl, best, stated.versusBaseline?.model === bestName ? stated.versusBaseline : undefined) : null,
    versusScratch: ssl && scratch ? compare(ssl, scratch, stated.versusScratch) : null,
    shortfalls,
  };
}

function difference(c: Comparison | null): string {
  if (!c) return '-';
  const d = `${c.difference >= 0 ? '+' : ''}${c.difference.toFixed(3)}`;
  return c.pValue === null ? d : `${d} (p = ${c.pValue.toPrecision(2)})`;
}

function cell(scores: ModelScores | undefined): string {
  return scores ? `${scores.accuracy.mean.toFixed(4)} ± ${scores.accuracy.std.toFixed(4)}` : '-';
}

/** The Markdown table of summaryRows, with each CNN's spread over folds. */
export function studySummary(results: readonly AutoResults[], options: SummaryOptions = {}): string {
  const lines = [
    '| dataset | labels | best baseline | auto SSL | auto SSL - best baseline | auto CNN from scratch | auto SSL - scratch | SSL at the paper\'s settings | target | report |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const rows = scoredRows(results, options);
  for (const { row, models } of rows) {
    const target = row.shortfalls === null ? '-' : row.shortfalls.length === 0 ? 'met' : `short: ${row.shortfalls.join('; ')}`;
    const best = row.bestBaseline ? `${row.bestBaseline.model} ${row.bestBaseline.accuracy.toFixed(4)}` : '-';
    const report = `${row.source ?? '-'}${row.generatedAt ? ` (${row.generatedAt.slice(0, 10)})` : ''}`;
    lines.push(
      `| ${row.dataset} | ${row.fraction * 100} % | ${best} | ${cell(models.get('ssl'))} | ${difference(row.versusBaseline)} | ${cell(models.get('supervised'))} | ${difference(
        row.versusScratch,
      )} | ${cell(models.get('paper'))} | ${target} | ${report} |`,
    );
  }
  const judged = rows.filter(({ row }) => row.shortfalls !== null);
  const scope = options.latest ? 'dataset and label-fraction rows (the newest report of each)' : 'report, dataset and label-fraction rows';
  lines.push(
    '',
    `Target met in ${judged.filter(({ row }) => row.shortfalls!.length === 0).length} of ${judged.length} ${scope}. Differences are in accuracy, paired over the same folds (t-test p; from the report's own test where it has no per-fold results).`,
  );
  return lines.join('\n');
}
