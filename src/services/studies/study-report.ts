import { pairedTTest, summarize } from '../../numeric/stats';
import { PAPER_PRETEXT_AVERAGE, PAPER_SWEEP_COAL_SSL, PAPER_TABLE4, paperDataset } from './paper-results';
import type { FoldDomain } from './fold-domain';
import type { StudySettings } from './study-plan';

/**
 * The study report (Markdown): our numbers beside the paper's, table by table, with the settings,
 * backend and wall times. Pure: it takes the stored results and formats them.
 */
export interface ReportExperiment {
  readonly role: string;
  readonly name: string;
  readonly status: string;
  readonly error: string | null;
  readonly backend: string | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly folds: {
    readonly accuracy: number;
    readonly macroF1: number;
    readonly wallMs: number;
    readonly pretext: { accuracy: number; perTransform: Record<string, { accuracy: number; f1: number }> } | null;
    /** Rows the fold trained on (pre-training: all; fine-tuning: the labelled ones). */
    readonly trainSize?: number;
    readonly labelledSize?: number;
    /** What the model chose on the fold's training rows. */
    readonly choices?: Record<string, unknown>;
    readonly warnings?: readonly string[];
    /** What SSL pre-training saw: spectra, of them unlabelled (hidden labels, unlabelled rows, extra datasets), transductive. */
    readonly pretraining?: { readonly spectra: number; readonly unlabelled: number; readonly transductive: boolean } | null;
  }[];
}

export interface ReportInput {
  readonly studyName: string;
  readonly datasetName: string;
  readonly samples: number;
  readonly variables: number;
  readonly classes: number;
  readonly settings: StudySettings;
  readonly experiments: ReportExperiment[];
  readonly generatedAt: Date;
  /** How far each test fold lies from its training fold (absent: no section). */
  readonly foldDomains?: readonly FoldDomain[];
  /** Class of each dataset row (null: unlabelled), for the plot data. */
  readonly rowClasses?: readonly (string | null)[];
}

export function studyReport(input: ReportInput): string {
  const { settings, experiments } = input;
  const paper = paperDataset(input.datasetName);
  const byRole = new Map(experiments.map((e) => [e.role, e]));
  const lines: string[] = [];
  const finished = experiments.filter((e) => e.status === 'succeeded').length;
  const started = experiments.map((e) => e.startedAt?.getTime()).filter((t): t is number => t !== undefined);
  const ended = experiments.map((e) => e.finishedAt?.getTime()).filter((t): t is number => t !== undefined);
  const backends = [...new Set(experiments.map((e) => e.backend).filter(Boolean))];

  lines.push(`# Study: ${input.studyName}`, '');
  lines.push(`Dataset **${input.datasetName}** (${input.samples} spectra x ${input.variables} points, ${input.classes} classes).`);
  lines.push(
    `Preset **${settings.preset}**: ${settings.folds}-fold ${settings.grouped ? 'grouped stratified CV (the spectra of one group, the dataset\'s group column, always in one fold; ' : 'stratified CV ('}one shuffle, seed ${settings.seed}); SSL = ${settings.pretextEpochs} pretext + ${settings.finetuneEpochs} fine-tuning epochs (paper: 100 + 250); baselines on autoscaled spectra${
      Object.keys(settings.baselineParams).length ? ` with ${Object.entries(settings.baselineParams).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')}` : ' at paper-style defaults'
    }.`,
  );
  lines.push(
    `Experiments: ${finished} of ${experiments.length} finished. Backend: ${backends.join(', ') || 'n/a'}. Wall time: ${
      started.length && ended.length ? formatDuration(Math.max(...ended) - Math.min(...started)) : 'n/a'
    }. ${REPORT_GENERATED} ${input.generatedAt.toISOString()}.`,
  );
  lines.push('', `Paper column: ${paper ?? 'none (this dataset is not in the paper)'}. Choices were made on training folds only; nothing was tuned on test folds.`, '');

  // Table 4
  const table4 = ['ssl', 'random-forest', 'svm', 'knn', 'elm', 'bpnn', 'pls-da'].filter((m) => byRole.has(`table4:${m}`));
  if (table4.length > 0) {
    lines.push('## Table 4: accuracy and macro F1 (mean ± sd over folds)', '');
    lines.push(`| model | accuracy | macro F1 | paper accuracy / F1 | ours - paper (accuracy) | wall time |`, '|---|---|---|---|---|---|');
    for (const m of table4) {
      const e = byRole.get(`table4:${m}`) as ReportExperiment;
      const acc = summarize(e.folds.map((f) => f.accuracy));
      const f1 = summarize(e.folds.map((f) => f.macroF1));
      const ref = paper ? PAPER_TABLE4[m]?.[paper] : undefined;
      lines.push(
        `| ${m === 'ssl' ? 'SSL (ours)' : m} | ${fmtSummary(acc, e)} | ${fmtSummary(f1, e)} | ${ref ? `${ref[0].toFixed(4)} / ${ref[1].toFixed(4)}` : '-'} | ${
          ref && e.folds.length ? signed(acc.mean - ref[0]) : '-'
        } | ${wall(e)} |`,
      );
    }
    const ranked = table4
      .map((m) => ({ m, mean: summarize((byRole.get(`table4:${m}`) as ReportExperiment).folds.map((f) => f.accuracy)).mean }))
      .filter((r) => !Number.isNaN(r.mean))
      .sort((a, b) => b.mean - a.mean);
    // A study without the baselines (only the SSL model for Fig. 7 or 6) has nothing to rank.
    const best = ranked.length > 1 ? ranked[0] : null;
    if (best) lines.push('', `Best here: **${best.m}** (${best.mean.toFixed(4)}).`);
    lines.push('');
  }

  // Table 3
  const ssl = byRole.get('table4:ssl');
  const pretextFolds = ssl?.folds.filter((f) => f.pretext) ?? [];
  if (pretextFolds.length > 0) {
    const names = Object.keys(pretextFolds[0].pretext!.perTransform);
    lines.push('## Table 3: transformation recognition on held-out spectra (head j: "is this variant j?")', '');
    lines.push('| variant | accuracy | F1 |', '|---|---|---|');
    for (const name of names) {
      const acc = summarize(pretextFolds.map((f) => f.pretext!.perTransform[name].accuracy));
      const f1 = summarize(pretextFolds.map((f) => f.pretext!.perTransform[name].f1));
      lines.push(`| ${name} | ${acc.mean.toFixed(4)} ± ${acc.std.toFixed(4)} | ${f1.mean.toFixed(4)} ± ${f1.std.toFixed(4)} |`);
    }
    const sevenWay = summarize(pretextFolds.map((f) => f.pretext!.accuracy));
    const avg = summarize(pretextFolds.flatMap((f) => names.map((n) => f.pretext!.perTransform[n].accuracy)));
    lines.push(
      '',
      `Average binary accuracy ${avg.mean.toFixed(4)} (paper: above ${PAPER_PRETEXT_AVERAGE}; always answering "no" scores ${(6 / 7).toFixed(3)}). 7-way argmax accuracy ${sevenWay.mean.toFixed(4)} ± ${sevenWay.std.toFixed(4)}.`,
      '',
    );
  }

  // Fig. 5
  const scratch = byRole.get('fig5:supervised');
  if (ssl && scratch) {
    lines.push('## Fig. 5: SSL vs the same CNN trained from scratch', '');
    lines.push('| model | accuracy | macro F1 | wall time |', '|---|---|---|---|');
    for (const [label, e] of [['SSL', ssl], ['from scratch', scratch]] as const) {
      lines.push(`| ${label} | ${fmtSummary(summarize(e.folds.map((f) => f.accuracy)), e)} | ${fmtSummary(summarize(e.folds.map((f) => f.macroF1)), e)} | ${wall(e)} |`);
    }
    lines.push('', pairedLine(ssl, scratch, 'SSL - scratch'));
    lines.push('', '| fold | SSL | from scratch |', '|---|---|---|');
    ssl.folds.forEach((f, k) => lines.push(`| ${k + 1} | ${f.accuracy.toFixed(4)} | ${scratch.folds[k]?.accuracy.toFixed(4) ?? '-'} |`));
    lines.push('');
  }

  // Table 5
  const sweep = experiments.filter((e) => e.role.startsWith('sweep:'));
  if (sweep.length > 0) {
    const models = [...new Set(sweep.map((e) => e.role.split(':')[2]))];
    lines.push('## Table 5: accuracy by fraction of labelled training spectra', '');
    lines.push('Pre-training uses the whole training fold (no labels); only fine-tuning or fitting sees the labelled fraction; the test folds are the same.', '');
    lines.push(`| fraction | ${models.join(' | ')} |${paper === 'coal' ? ' paper SSL (Coal) |' : ''}`, `|---|${models.map(() => '---').join('|')}|${paper === 'coal' ? '---|' : ''}`);
    for (const fraction of settings.fractions) {
      const cells = models.map((m) => {
        const e = sweep.find((s) => s.role === `sweep:${fraction}:${m}`);
        return e ? fmtSummary(summarize(e.folds.map((f) => f.accuracy)), e) : '-';
      });
      const ref = PAPER_SWEEP_COAL_SSL[String(fraction)];
      lines.push(`| ${fraction * 100}% | ${cells.join(' | ')} |${paper === 'coal' ? ` ${ref ? ref.toFixed(4) : '-'} |` : ''}`);
    }
    const sslSweep = (f: number) => sweep.find((s) => s.role === `sweep:${f}:ssl`);
    const used = settings.fractions
      .map((f) => ({ f, folds: (sslSweep(f)?.folds ?? []).map((x) => x.pretraining).filter((p): p is NonNullable<typeof p> => !!p) }))
      .filter((u) => u.folds.length > 0);
    if (used.length > 0) {
      lines.push('', 'Unlabelled spectra each SSL fold pre-trained on (the hidden labels\' spectra, the dataset\'s unlabelled rows), of all spectra pre-trained on, fold by fold:', '');
      lines.push('| fraction | per fold: unlabelled / pre-trained |', '|---|---|');
      for (const u of used) lines.push(`| ${u.f * 100}% | ${u.folds.map((p) => `${p.unlabelled} / ${p.spectra}`).join(', ')} |`);
    }
    const scratchSweep = (f: number) => sweep.find((s) => s.role === `sweep:${f}:supervised`);
    const gains = settings.fractions
      .map((f) => ({ f, a: sslSweep(f), b: scratchSweep(f) }))
      .filter((g) => g.a?.folds.length && g.b?.folds.length)
      .map((g) => ({ f: g.f, gain: summarize(g.a!.folds.map((x) => x.accuracy)).mean - summarize(g.b!.folds.map((x) => x.accuracy)).mean }));
    if (gains.length > 0) {
      const top = gains.sort((x, y) => y.gain - x.gain)[0];
      lines.push('', `Largest gain of SSL over from-scratch: ${(top.gain * 100).toFixed(2)} points at ${top.f * 100}% (paper: 10.41 points).`);
    }
    lines.push('');
  }

  const transductive = experiments.filter((e) => e.folds.some((f) => f.pretraining?.transductive));
  if (transductive.length > 0) {
    lines.push('## Transductive pre-training', '');
    lines.push(`Pre-training saw the test folds' spectra (never their labels) in: ${transductive.map((e) => e.name).join(', ')}. Their scores are not comparable with inductive ones.`, '');
  }

  // Fig. 7
  const single = experiments.filter((e) => e.role.startsWith('fig7:'));
  if (single.length > 0 && ssl) {
    lines.push('## Fig. 7: single-task vs multi-task pre-training', '');
    lines.push('| pre-training | accuracy | macro F1 |', '|---|---|---|');
    lines.push(`| all six transforms | ${fmtSummary(summarize(ssl.folds.map((f) => f.accuracy)), ssl)} | ${fmtSummary(summarize(ssl.folds.map((f) => f.macroF1)), ssl)} |`);
    for (const e of single) {
      lines.push(`| ${e.role.slice(5)} only | ${fmtSummary(summarize(e.folds.map((f) => f.accuracy)), e)} | ${fmtSummary(summarize(e.folds.map((f) => f.macroF1)), e)} |`);
    }
    lines.push('');
  }

  // Fig. 6
  const depths = experiments.filter((e) => e.role.startsWith('fig6:'));
  if (depths.length > 0) {
    lines.push('## Fig. 6: which encoder depth gives the best embedding', '');
    lines.push('Frozen pre-trained encoder; PLS-DA on the autoscaled features of one block (no fine-tuning).', '');
    lines.push('| block | accuracy | macro F1 |', '|---|---|---|');
    for (const e of depths) {
      lines.push(`| ${e.role.slice(5)} | ${fmtSummary(summarize(e.folds.map((f) => f.accuracy)), e)} | ${fmtSummary(summarize(e.folds.map((f) => f.macroF1)), e)} |`);
    }
    lines.push('');
  }

  autoSection(experiments, settings, paper ? PAPER_TABLE4.ssl[paper][0] : null, lines);

  const warned = experiments.filter((e) => e.folds.some((f) => (f.warnings ?? []).length > 0));
  if (warned.length > 0) {
    lines.push('## Warnings', '');
    for (const e of warned) {
      e.folds.forEach((f, k) => (f.warnings ?? []).forEach((w) => lines.push(`- ${e.role}, fold ${k + 1}: ${w}`)));
    }
    lines.push('');
  }

  if (input.foldDomains && input.foldDomains.length > 0) domainSection(input.foldDomains, input.rowClasses ?? [], lines);

  const failed = experiments.filter((e) => e.status === 'failed');
  if (failed.length > 0) {
    lines.push('## Failed experiments', '');
    for (const e of failed) lines.push(`- ${e.role}: ${e.error}`);
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * The automatic mode against the tuned baselines, per label fraction: mean ± std, the paired test
 * of auto SSL against the best baseline and against the CNN from scratch, and what each fold chose.
 */
function autoSection(experiments: ReportExperiment[], settings: StudySettings, paperSsl: number | null, lines: string[]): void {
  const auto = experiments.filter((e) => e.role.startsWith('auto:'));
  if (auto.length === 0) return;
  const byRole = new Map(auto.map((e) => [e.role, e]));
  const mean = (e: ReportExperiment) => summarize(e.folds.map((f) => f.accuracy)).mean;
  lines.push('## Automatic configuration: SSL and the CNN from scratch against tuned baselines', '');
  lines.push(
    `Every choice of the CNN (input scaling, learning rate, fine-tuning epochs, fine-tuning augmentation) is made per fold by inner validation on that fold's labelled training rows (pooled over inner folds; the final model is the winner refitted on every labelled row for its best inner epoch, "refit", or its inner networks predicting together, "cross-fit"); tuned baselines choose by inner cross-validation. At a label fraction below 100 %, the rest of the training fold is pre-trained on as unlabelled spectra. Budget: ${settings.pretextEpochs} pretext epochs, at most ${settings.finetuneEpochs} fine-tuning epochs per inner run (early stopping on the pooled validation loss, with the patience in epochs that the fold table gives).`,
    '',
  );
  const perFold: string[] = [];
  for (const fraction of settings.autoFractions) {
    const rows = auto.filter((e) => e.role.startsWith(`auto:${fraction}:`));
    if (rows.length === 0) continue;
    lines.push(`### ${fraction * 100} % of the labels`, '');
    if (rows.every((e) => e.status === 'cancelled' && e.folds.length === 0)) {
      lines.push('Cancelled before any fold finished.', '');
      continue;
    }
    lines.push('| model | accuracy | macro F1 | core time | wall time |', '|---|---|---|---|---|');
    for (const e of [...rows].sort((a, b) => mean(b) - mean(a))) {
      lines.push(
        `| ${e.role.split(':')[2]} | ${fmtSummary(summarize(e.folds.map((f) => f.accuracy)), e)} | ${fmtSummary(summarize(e.folds.map((f) => f.macroF1)), e)} | ${coreTime(e)} | ${wall(e)} |`,
      );
    }
    lines.push('', 'Core time: the folds\' own training time summed (each fold runs on one core). Wall time also counts the time an experiment\'s folds waited for a free slot beside the others of the study.');
    const ssl = byRole.get(`auto:${fraction}:ssl`);
    const scratch = byRole.get(`auto:${fraction}:supervised`);
    const paper = byRole.get(`auto:${fraction}:paper`) ?? (fraction >= 1 ? experiments.find((e) => e.role === 'table4:ssl') : undefined);
    for (const e of paper && !rows.includes(paper) ? [...rows, paper] : rows) {
      const model = e === paper ? 'paper' : e.role.split(':')[2];
      e.folds.forEach((f, k) => perFold.push(`${fraction},${model},${k + 1},${f.accuracy.toFixed(6)},${f.macroF1.toFixed(6)}`));
    }
    const baselines = rows.filter((e) => e !== ssl && e !== scratch && e !== paper && e.folds.length > 0);
    const best = baselines.sort((a, b) => mean(b) - mean(a))[0];
    lines.push('');
    if (ssl && best) lines.push(pairedLine(ssl, best, `Auto SSL - best baseline (${best.role.split(':')[2]})`), '');
    if (ssl && scratch) lines.push(pairedLine(ssl, scratch, 'Auto SSL - auto CNN from scratch'), '');
    if (ssl && paper) lines.push(pairedLine(ssl, paper, `Auto SSL - SSL at the paper's settings (${paper.role})`), '');
    if (ssl && fraction >= 1 && paperSsl !== null) lines.push(`Paper's SSL: ${paperSsl.toFixed(4)}; auto SSL ${signed(mean(ssl) - paperSsl)}.`, '');
    if (ssl) {
      lines.push(
        '| fold | spectra pre-trained on | labelled | scaling | learning rate | augmentation | epochs | final model | accuracy | fold time |',
        '|---|---|---|---|---|---|---|---|---|---|',
      );
      ssl.folds.forEach((f, k) => {
        const c = f.choices ?? {};
        const scaling = (c.scaling as { chosen?: string } | undefined)?.chosen ?? '-';
        const lr = (c.learningRate as { chosen?: number } | undefined)?.chosen ?? '-';
        const augmentation = c.augmentation === undefined ? '-' : c.augmentation ? 'yes' : 'no';
        const innerEpochs = c.innerEpochs as number[] | undefined;
        const epochs = `${c.epochs ?? '-'}${innerEpochs ? ` (${innerEpochs.join(', ')})` : ''}${c.patience ? `, patience ${c.patience}` : ''}`;
        const final = finalModel(c);
        lines.push(
          `| ${k + 1} | ${f.trainSize ?? '-'} | ${f.labelledSize ?? '-'} | ${scaling} | ${lr} | ${augmentation} | ${epochs} | ${final} | ${f.accuracy.toFixed(4)} | ${formatDuration(f.wallMs)} |`,
        );
      });
      lines.push('', budgetLine(ssl), '');
    }
  }
  if (perFold.length > 0) {
    // Machine-readable, so that `nir-ssl study summary` can compare datasets from committed reports.
    lines.push(`<details><summary>${AUTO_FOLDS_SUMMARY}</summary>`, '', '```csv', AUTO_FOLDS_HEADER, ...perFold, '```', '', '</details>', '');
  }
}

/**
 * The model a fold predicts with: the fine-tuned network(s), or the probe on the frozen encoder that
 * validated better, with the pooled inner-validation accuracies the head was chosen on.
 */
function finalModel(c: Record<string, unknown>): string {
  const networks = `${c.final ?? '-'}${c.final === 'cross-fit' && c.innerFolds ? ` of ${c.innerFolds}` : ''}`;
  const head = c.head as { chosen: string; candidates: { candidate: string; valAccuracy: number }[] } | undefined;
  if (!head || head.candidates.length < 2) return networks;
  const [fineTuned, ...probes] = head.candidates;
  const bestProbe = probes.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
  const inner = (accuracy: number): string => accuracy.toFixed(2);
  return head.chosen === fineTuned.candidate
    ? `${networks} (inner ${inner(fineTuned.valAccuracy)}; best probe ${inner(bestProbe.valAccuracy)})`
    : `${head.chosen} (inner ${inner(probes.find((p) => p.candidate === head.chosen)?.valAccuracy ?? NaN)}; fine-tuned ${inner(fineTuned.valAccuracy)})`;
}

/** Precedes the report's ISO timestamp; `study summary --latest` reads it back. */
export const REPORT_GENERATED = 'Report generated';
/** The per-fold results block of the automatic configuration's section (read back by the study summary). */
export const AUTO_FOLDS_SUMMARY = 'Per-fold results of the automatic configuration (CSV: fraction, model, fold, accuracy, macro F1)';
export const AUTO_FOLDS_HEADER = 'fraction,model,fold,accuracy,macro_f1';

/**
 * The budget as the fold times give it: each fold trains on one core, so their sum is the
 * experiment's cost in core time, whatever else shared the server (the wall time above depends on that).
 */
function budgetLine(e: ReportExperiment): string {
  const times = foldTimes(e);
  if (times.length === 0) return 'Fold times: not recorded.';
  const total = sum(times);
  return `Auto SSL fold times (one core each): ${formatDuration(Math.min(...times))} to ${formatDuration(Math.max(...times))}, ${formatDuration(total)} of core time in all.`;
}

function fmtSummary(s: { mean: number; std: number; n: number }, e: ReportExperiment): string {
  if (s.n === 0) return e.status === 'succeeded' ? '-' : `(${e.status})`;
  const partial = e.status === 'succeeded' ? '' : ` (${s.n} fold${s.n === 1 ? '' : 's'}, ${e.status})`;
  return `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}${partial}`;
}

function pairedLine(a: ReportExperiment, b: ReportExperiment, label: string): string {
  if (a.folds.length !== b.folds.length || a.folds.length < 2) return `${label}: no paired test (${a.folds.length} vs ${b.folds.length} folds).`;
  const test = pairedTTest(
    a.folds.map((f) => f.accuracy),
    b.folds.map((f) => f.accuracy),
  );
  return `${label}: ${signed(test.meanDifference)} accuracy on the same folds (paired t-test p = ${test.pValue.toPrecision(3)}).`;
}

/** Each fold's own training time, where recorded (a fold trains on one core). */
function foldTimes(e: ReportExperiment): number[] {
  return e.folds.map((f) => f.wallMs).filter((ms) => ms > 0);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function coreTime(e: ReportExperiment): string {
  const total = sum(foldTimes(e));
  return total > 0 ? formatDuration(total) : '-';
}

function wall(e: ReportExperiment): string {
  return e.startedAt && e.finishedAt ? formatDuration(e.finishedAt.getTime() - e.startedAt.getTime()) : '-';
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Per test fold, how many spectra lie outside the training fold's PCA domain, and the T² vs Q plot's data. */
function domainSection(domains: readonly FoldDomain[], rowClasses: readonly (string | null)[], lines: string[]): void {
  lines.push('## Applicability domain of the test folds', '');
  lines.push(
    "A PCA model of each training fold's autoscaled spectra (components for 95 % of the variance), as every final model stores; each test spectrum's Hotelling's T² and Q residual against the fold's 99 % limits. Test spectra outside the domain are predictions the models extrapolate to.",
    '',
  );
  lines.push('| fold | test spectra | components | T² limit (99 %) | Q limit (99 %) | beyond T² | beyond Q | outside the domain |', '|---|---|---|---|---|---|---|---|');
  for (const d of domains) {
    const beyondT2 = d.points.filter((p) => p.t2 > d.t2Limit99).length;
    const beyondQ = d.points.filter((p) => p.q > d.qLimit99).length;
    const outside = d.points.filter((p) => p.outlier).length;
    lines.push(`| ${d.fold + 1} | ${d.points.length} | ${d.components} | ${d.t2Limit99.toFixed(2)} | ${d.qLimit99.toPrecision(4)} | ${beyondT2} | ${beyondQ} | ${outside} |`);
  }
  lines.push('', '<details><summary>T² vs Q plot data (CSV: fold, row, class, T², Q, outside)</summary>', '', '```csv', 'fold,row,class,t2,q,outside');
  for (const d of domains) for (const p of d.points) lines.push(`${d.fold + 1},${p.row},${rowClasses[p.row] ?? ''},${p.t2.toPrecision(5)},${p.q.toPrecision(5)},${p.outlier ? 1 : 0}`);
  lines.push('```', '', '</details>', '');
}
