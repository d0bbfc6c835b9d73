import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import type { AlignedData, Options } from 'uplot';
import { Plot, colour } from '../components/Plot';
import { Empty, ErrorBox, Link, Loading } from '../components/ui';

const DATASET = `query Dataset($id: ID!) {
  dataset(id: $id) {
    id name description source axisUnit valueUnit importNotes sampleCount variableCount hasGroups axis
    classes { index name count }
    classStatistics { className count mean std }
  }
}`;

const SAMPLES = `query Samples($id: ID!, $first: Int, $after: String, $className: String) {
  dataset(id: $id) { samplesConnection(first: $first, after: $after, className: $className) {
    totalCount pageInfo { hasNextPage endCursor } nodes { index label group values }
  } }
}`;

interface ClassStat { className: string; count: number; mean: number[]; std: number[] }
interface DatasetData {
  id: string; name: string; description: string; source: string; axisUnit: 'NM' | 'CM1'; valueUnit: string; importNotes: string[];
  sampleCount: number; variableCount: number; hasGroups: boolean; axis: number[];
  classes: { index: number; name: string; count: number }[];
  classStatistics: ClassStat[];
}
interface SampleNode { index: number; label: string; group: string | null; values: number[] }
interface SamplePage { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: SampleNode[] }

export const unitLabel = (unit: 'NM' | 'CM1') => (unit === 'NM' ? 'Wavelength (nm)' : 'Wavenumber (cm⁻¹)');

export function DatasetView({ id }: { id: string }) {
  const [{ data, fetching, error }] = useQuery<{ dataset: DatasetData | null }>({ query: DATASET, variables: { id } });
  if (error) return <ErrorBox error={error} />;
  if (fetching && !data) return <Loading what="the dataset" />;
  const d = data?.dataset;
  if (!d) return <Empty>No dataset with id {id}.</Empty>;
  return (
    <section>
      <p><Link to="/">← Datasets</Link></p>
      <h1>{d.name}</h1>
      <p className="muted">
        {d.sampleCount} spectra × {d.variableCount} points, {d.classes.length} classes ({d.classes.map((c) => `${c.name}: ${c.count}`).join(', ')})
        {d.valueUnit ? ` · ${d.valueUnit}` : ''}
        {d.source ? ` · ${d.source}` : ''}
      </p>
      {d.importNotes.length > 0 && (
        <ul className="muted" data-testid="import-notes" aria-label="Import notes">
          {d.importNotes.map((note) => <li key={note}>{note}</li>)}
        </ul>
      )}
      {d.description && <p>{d.description}</p>}
      <p><Link to={`/experiments/new?dataset=${d.id}`} className="button">New experiment on this dataset</Link></p>
      <h2>Class spectra (mean ± std)</h2>
      <ClassSpectra dataset={d} />
      <h2>PCA scores</h2>
      <PcaScores dataset={d} />
      <h2>Samples</h2>
      <Samples dataset={d} />
    </section>
  );
}

function ClassSpectra({ dataset }: { dataset: DatasetData }) {
  const { options, data } = useMemo(() => {
    const series: Options['series'] = [{ label: unitLabel(dataset.axisUnit) }];
    const columns: (number[] | Float64Array)[] = [dataset.axis];
    const bands: NonNullable<Options['bands']> = [];
    dataset.classStatistics.forEach((c, k) => {
      const upper = new Float64Array(c.mean.length);
      const lower = new Float64Array(c.mean.length);
      for (let j = 0; j < c.mean.length; j++) {
        upper[j] = c.mean[j] + c.std[j];
        lower[j] = c.mean[j] - c.std[j];
      }
      const base = columns.length;
      columns.push(c.mean, upper, lower);
      series.push(
        { label: `${c.className} (n=${c.count})`, stroke: colour(k), width: 1.5 },
        { label: `${c.className} + std`, stroke: colour(k, 0.25), width: 0.5 },
        { label: `${c.className} − std`, stroke: colour(k, 0.25), width: 0.5 },
      );
      bands.push({ series: [base + 1, base + 2], fill: colour(k, 0.12) });
    });
    const options: Omit<Options, 'width' | 'height'> = {
      series,
      bands,
      scales: { x: { time: false } },
      axes: [{ label: unitLabel(dataset.axisUnit) }, { label: dataset.valueUnit ? dataset.valueUnit[0].toUpperCase() + dataset.valueUnit.slice(1) : 'Absorbance / reflectance' }],
      cursor: { drag: { x: true, y: false } },
    };
    return { options, data: columns as unknown as AlignedData };
  }, [dataset]);
  return (
    <div data-testid="class-spectra">
      <Plot options={options} data={data} height={340} label={`Mean ± std spectrum of each class of ${dataset.name}`} />
    </div>
  );
}

/** At most this many spectra go into the PCA (computed by the server). */
const PCA_LIMIT = 1000;

const PCA_SCORES = `query PcaScores($id: ID!, $limit: Int) {
  dataset(id: $id) { pcaScores(limit: $limit) { explainedVariance points { label pc1 pc2 } } }
}`;

interface PcaScoresData { explainedVariance: number[]; points: { label: string | null; pc1: number; pc2: number }[] }

function PcaScores({ dataset }: { dataset: DatasetData }) {
  const [{ data, error }] = useQuery<{ dataset: { pcaScores: PcaScoresData } | null }>({ query: PCA_SCORES, variables: { id: dataset.id, limit: PCA_LIMIT } });
  const scores = data?.dataset?.pcaScores;

  const plot = useMemo(() => {
    if (!scores) return null;
    const { points, explainedVariance: variance } = scores;
    // One series per class on a shared, sorted PC1 axis: points only, null where another class sits.
    const order = points.map((_, i) => i).sort((a, b) => points[a].pc1 - points[b].pc1);
    const x = order.map((i) => points[i].pc1);
    const names = dataset.classes.map((c) => c.name);
    const ys = names.map((name) => order.map((i) => (points[i].label === name ? points[i].pc2 : null)));
    const options: Omit<Options, 'width' | 'height'> = {
      mode: 1,
      scales: { x: { time: false } },
      series: [{ label: 'PC1' }, ...names.map((name, k) => ({ label: name, stroke: colour(k), paths: () => null, points: { show: true, size: 6, fill: colour(k, 0.7), stroke: colour(k) } }))],
      axes: [{ label: `PC1 (${(100 * variance[0]).toFixed(1)}%)` }, { label: `PC2 (${(100 * (variance[1] ?? 0)).toFixed(1)}%)` }],
    };
    return { options, data: [x, ...ys] as unknown as AlignedData };
  }, [scores, dataset.classes]);

  if (error) return <ErrorBox error={error} />;
  if (!plot) return <div style={{ minHeight: 340 }}><Loading what="the PCA scores" /></div>;
  return (
    <div data-testid="pca">
      {scores!.points.length < dataset.sampleCount && <p className="muted">PCA of {scores!.points.length} of the {dataset.sampleCount} spectra, evenly spaced.</p>}
      <Plot options={plot.options} data={plot.data} height={300} label="PCA scores, PC1 against PC2, coloured by class" />
    </div>
  );
}

function Samples({ dataset }: { dataset: DatasetData }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [className, setClassName] = useState('');
  const after = cursors[cursors.length - 1];
  const [{ data, error, fetching }] = useQuery<{ dataset: { samplesConnection: SamplePage } }>({
    query: SAMPLES,
    variables: { id: dataset.id, first: 20, after, className: className || null },
  });
  const page = data?.dataset.samplesConnection;
  const shown = Math.min(6, dataset.axis.length);
  return (
    <div>
      <label>
        Class{' '}
        <select value={className} onChange={(e) => { setClassName(e.target.value); setCursors([null]); }}>
          <option value="">all</option>
          {dataset.classes.map((c) => <option key={c.name}>{c.name}</option>)}
        </select>
      </label>
      {error && <ErrorBox error={error} />}
      <table className="table compact" aria-busy={fetching}>
        <thead>
          <tr>
            <th>#</th><th>Label</th>{dataset.hasGroups && <th>Group</th>}
            {dataset.axis.slice(0, shown).map((x) => <th key={x} className="num">{x}</th>)}<th>…</th>
          </tr>
        </thead>
        <tbody>
          {page?.nodes.map((s) => (
            <tr key={s.index}>
              <td className="num">{s.index}</td><td>{s.label}</td>{dataset.hasGroups && <td>{s.group}</td>}
              {s.values.slice(0, shown).map((v, j) => <td key={j} className="num">{v.toPrecision(4)}</td>)}<td>…</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>Previous</button>
        <span className="muted">
          {page ? `${(cursors.length - 1) * 20 + 1}–${(cursors.length - 1) * 20 + page.nodes.length} of ${page.totalCount}` : ''}
        </span>
        <button type="button" disabled={!page?.pageInfo.hasNextPage} onClick={() => page && setCursors([...cursors, page.pageInfo.endCursor])}>Next</button>
      </div>
    </div>
  );
}
