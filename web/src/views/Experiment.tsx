import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import type { AlignedData, Options } from 'uplot';
import { Plot, colour } from '../components/Plot';
import { Empty, ErrorBox, Link, Loading, fmt, meanStd, pct } from '../components/ui';

const EXPERIMENT = `query Experiment($id: ID!) {
  experiment(id: $id) {
    id name tags datasetId model config status backend error createdAt startedAt finishedAt warnings
    accuracy { mean std } macroF1 { mean std }
    progress { stage epoch epochs foldsDone foldsTotal }
    folds {
      repeat fold accuracy macroF1 wallMs trainSize labelledSize testSize pretextAccuracy warnings
      perClass { className precision recall f1 support }
      confusion
      pretext { transform accuracy precision recall f1 }
      curves { stage epoch loss accuracy }
    }
  }
}`;
const PROGRESS = `subscription Progress($id: ID!) { experimentProgress(experimentId: $id) { experimentId status repeat fold foldsDone foldsTotal stage epoch epochs loss accuracy } }`;
const CANCEL = `mutation Cancel($id: ID!) { cancelExperiment(id: $id) { id status } }`;

interface Curve { stage: string; epoch: number; loss: number; accuracy: number | null }
interface Fold {
  repeat: number; fold: number; accuracy: number; macroF1: number; wallMs: number; trainSize: number; labelledSize: number; testSize: number;
  pretextAccuracy: number | null; warnings: string[];
  perClass: { className: string; precision: number; recall: number; f1: number; support: number }[];
  confusion: number[][];
  pretext: { transform: string; accuracy: number; precision: number; recall: number; f1: number }[];
  curves: Curve[];
}
interface ExperimentData {
  id: string; name: string; tags: string[]; datasetId: string; model: string; config: unknown; status: string; backend: string | null; error: string | null;
  createdAt: string; startedAt: string | null; finishedAt: string | null; warnings: string[];
  accuracy: { mean: number | null; std: number | null }; macroF1: { mean: number | null; std: number | null };
  progress: { stage: string | null; epoch: number | null; epochs: number | null; foldsDone: number; foldsTotal: number } | null;
  folds: Fold[];
}
interface Progress { experimentId: string; status: string; repeat: number | null; fold: number | null; foldsDone: number; foldsTotal: number; stage: string | null; epoch: number | null; epochs: number | null; loss: number | null; accuracy: number | null }

/** Folds are numbered from 1 for people (as in the server's warnings); repeats shown only past the first. */
function curveKey(repeat: number, fold: number, stage: string): string {
  return `${repeat > 0 ? `repeat ${repeat + 1} ` : ''}fold ${fold + 1} ${stage}`;
}

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Curves keyed "fold r.f stage": (epoch, loss, accuracy) points. */
type Curves = Map<string, { epoch: number; loss: number; accuracy: number | null }[]>;

export function ExperimentView({ id }: { id: string }) {
  const [{ data, error, fetching }, refetch] = useQuery<{ experiment: ExperimentData | null }>({ query: EXPERIMENT, variables: { id } });
  const [, cancel] = useMutation(CANCEL);
  const live = data?.experiment ? !FINAL.has(data.experiment.status) : false;
  const [{ data: events }] = useSubscription<{ experimentProgress: Progress }, { last: Progress | null; curves: Curves; n: number }>(
    { query: PROGRESS, variables: { id }, pause: !live },
    (acc = { last: null, curves: new Map(), n: 0 }, event) => {
      const p = event.experimentProgress;
      if (p.epoch !== null && p.loss !== null && p.stage) {
        const key = curveKey(p.repeat ?? 0, p.fold ?? 0, p.stage);
        const points = acc.curves.get(key) ?? [];
        if (!points.some((q) => q.epoch === p.epoch)) points.push({ epoch: p.epoch, loss: p.loss, accuracy: p.accuracy });
        acc.curves.set(key, points);
      }
      return { last: p, curves: acc.curves, n: acc.n + 1 };
    },
  );
  const lastStatus = events?.last?.status;
  useEffect(() => {
    if (lastStatus && FINAL.has(lastStatus)) refetch({ requestPolicy: 'network-only' });
  }, [lastStatus, refetch]);

  const e = data?.experiment;
  const finishedCurves = useMemo<Curves>(() => {
    const curves: Curves = new Map();
    for (const f of e?.folds ?? []) {
      for (const c of f.curves) {
        const key = curveKey(f.repeat, f.fold, c.stage);
        curves.set(key, [...(curves.get(key) ?? []), { epoch: c.epoch, loss: c.loss, accuracy: c.accuracy }]);
      }
    }
    return curves;
  }, [e]);

  if (error) return <ErrorBox error={error} />;
  if (fetching && !data) return <Loading what="the experiment" />;
  if (!e) return <Empty>No experiment with id {id}.</Empty>;
  const p = events?.last ?? null;
  const status = p && live ? p.status : e.status;
  const curves = live && events ? events.curves : finishedCurves;
  return (
    <section>
      <p><Link to="/experiments">← Experiments</Link></p>
      <h1>{e.name} <span className={`status ${status}`} data-testid="experiment-status">{status}</span></h1>
      <p className="muted">
        {e.model} on <Link to={`/datasets/${e.datasetId}`}>dataset {e.datasetId}</Link>
        {e.backend ? ` · backend ${e.backend}` : ''} · created {new Date(e.createdAt).toLocaleString()}
        {e.tags.length ? ` · tags: ${e.tags.join(', ')}` : ''}
      </p>
      {live && (
        <div className="card" data-testid="live">
          <div className="row">
            <span>
              Folds {p?.foldsDone ?? e.progress?.foldsDone ?? 0} / {p?.foldsTotal ?? e.progress?.foldsTotal ?? '?'}
              {p?.stage ? ` · fold ${(p.fold ?? 0) + 1}, ${p.stage}` : ''}
              {p?.epoch ? `, epoch ${p.epoch}${p.epochs ? ` / ${p.epochs}` : ''}` : ''}
              {p?.loss !== null && p?.loss !== undefined ? ` · loss ${fmt(p.loss)}` : ''}
            </span>
            <button type="button" className="secondary" onClick={() => void cancel({ id })}>Cancel</button>
          </div>
          <progress max={p?.foldsTotal || 1} value={p?.foldsDone ?? 0} />
        </div>
      )}
      {e.error && <ErrorBox error={`The experiment failed: ${e.error}`} />}
      {e.warnings.length > 0 && <ErrorBox>{e.warnings.map((w) => <div key={w}>{w}</div>)}</ErrorBox>}
      <h2>Training curves</h2>
      <CurvesPlot curves={curves} />
      {e.folds.length > 0 && <Result experiment={e} />}
    </section>
  );
}

function CurvesPlot({ curves }: { curves: Curves }) {
  const size = [...curves.values()].reduce((n, c) => n + c.length, 0);
  const plots = useMemo(() => {
    const keys = [...curves.keys()];
    const maxEpoch = Math.max(0, ...[...curves.values()].flatMap((c) => c.map((q) => q.epoch)));
    const x = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const build = (field: 'loss' | 'accuracy', label: string): { options: Omit<Options, 'width' | 'height'>; data: AlignedData } => ({
      options: {
        scales: { x: { time: false } },
        series: [{ label: 'epoch' }, ...keys.map((k, i) => ({ label: k, stroke: colour(i), width: 1.5, spanGaps: true, points: { show: maxEpoch < 40 } }))],
        axes: [{ label: 'Epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { label }],
        legend: { live: false },
      },
      data: [x, ...keys.map((k) => x.map((ep) => curves.get(k)!.find((q) => q.epoch === ep)?.[field] ?? null))] as unknown as AlignedData,
    });
    return { loss: build('loss', 'Training loss'), accuracy: build('accuracy', 'Training accuracy') };
    // size: the live map is mutated in place; its point count says when it changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [curves, size]);
  if (size === 0) return <p className="muted" data-testid="curves-empty">No training curve yet (baselines without epochs report none).</p>;
  return (
    <div className="grid2" data-testid="curves" data-points={size}>
      <Plot options={plots.loss.options} data={plots.loss.data} height={260} label="Training loss per epoch, per fold and stage" />
      <Plot options={plots.accuracy.options} data={plots.accuracy.data} height={260} label="Training accuracy per epoch, per fold and stage" />
    </div>
  );
}

function Result({ experiment: e }: { experiment: ExperimentData }) {
  const classes = e.folds[0].perClass.map((c) => c.className);
  const confusion = classes.map((_, i) => classes.map((__, j) => e.folds.reduce((s, f) => s + (f.confusion[i]?.[j] ?? 0), 0)));
  const f1 = classes.map((name) => {
    const values = e.folds.map((f) => f.perClass.find((c) => c.className === name)?.f1 ?? 0);
    return values.reduce((a, b) => a + b, 0) / values.length;
  });
  const pretext = e.folds.some((f) => f.pretext.length > 0);
  return (
    <div data-testid="result">
      <h2>Result</h2>
      <p>Accuracy <strong data-testid="accuracy">{meanStd(e.accuracy)}</strong> · macro F1 <strong>{meanStd(e.macroF1)}</strong> over {e.folds.length} folds</p>
      <h2>Folds</h2>
      <table className="table compact">
        <thead><tr><th>Repeat</th><th>Fold</th><th className="num">Accuracy</th><th className="num">Macro F1</th><th className="num">Train (labelled)</th><th className="num">Test</th><th className="num">Pretext acc.</th><th className="num">Time</th></tr></thead>
        <tbody>
          {e.folds.map((f) => (
            <tr key={`${f.repeat}.${f.fold}`}>
              <td>{f.repeat + 1}</td><td>{f.fold + 1}</td><td className="num">{pct(f.accuracy)}</td><td className="num">{pct(f.macroF1)}</td>
              <td className="num">{f.trainSize} ({f.labelledSize})</td><td className="num">{f.testSize}</td><td className="num">{pct(f.pretextAccuracy)}</td><td className="num">{(f.wallMs / 1000).toFixed(1)} s</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="grid2">
        <div>
          <h2>Confusion matrix (all folds; rows: true class)</h2>
          <table className="table cm" data-testid="confusion">
            <thead><tr><th /> {classes.map((c) => <th key={c}>{c}</th>)}</tr></thead>
            <tbody>
              {confusion.map((row, i) => {
                const total = row.reduce((a, b) => a + b, 0) || 1;
                return (
                  <tr key={classes[i]}>
                    <th>{classes[i]}</th>
                    {row.map((n, j) => <td key={j} style={{ background: `rgba(31, 95, 191, ${(0.85 * n) / total})`, color: n / total > 0.5 ? '#fff' : undefined }}>{n}</td>)}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div>
          <h2>Per-class F1 (mean over folds)</h2>
          <table className="table compact">
            <tbody>
              {classes.map((c, i) => (
                <tr key={c}><th>{c}</th><td style={{ width: '60%' }}><div className="bar" style={{ width: `${100 * f1[i]}%` }} /></td><td className="num">{pct(f1[i])}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {pretext && (
        <>
          <h2>Pretext task per transform (mean over folds)</h2>
          <table className="table compact">
            <thead><tr><th>Transform</th><th className="num">Accuracy</th><th className="num">Precision</th><th className="num">Recall</th><th className="num">F1</th></tr></thead>
            <tbody>
              {e.folds[0].pretext.map((t) => {
                const mean = (k: 'accuracy' | 'precision' | 'recall' | 'f1') => {
                  const v = e.folds.map((f) => f.pretext.find((q) => q.transform === t.transform)?.[k] ?? 0);
                  return v.reduce((a, b) => a + b, 0) / v.length;
                };
                return <tr key={t.transform}><td>{t.transform}</td><td className="num">{pct(mean('accuracy'))}</td><td className="num">{pct(mean('precision'))}</td><td className="num">{pct(mean('recall'))}</td><td className="num">{pct(mean('f1'))}</td></tr>;
              })}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
