import { useMemo } from 'react';
import { useQuery } from 'urql';
import uPlot, { type AlignedData, type Options } from 'uplot';
import { Plot, colour } from '../components/Plot';
import { Empty, ErrorBox, Link, Loading, fmt, pct } from '../components/ui';

const COMPARE = `query Compare($ids: [ID!]!) {
  compareExperiments(ids: $ids) {
    experiments { id name model status }
    metrics { metric entries { experimentId mean std rank perFold } }
    pairs { a b metric paired reason meanDifference t pValue }
  }
}`;

interface Comparison {
  experiments: { id: string; name: string; model: string; status: string }[];
  metrics: { metric: string; entries: { experimentId: string; mean: number | null; std: number | null; rank: number; perFold: number[] }[] }[];
  pairs: { a: string; b: string; metric: string; paired: boolean; reason: string | null; meanDifference: number | null; t: number | null; pValue: number | null }[];
}

export function CompareView({ ids }: { ids: string[] }) {
  const [{ data, error, fetching }] = useQuery<{ compareExperiments: Comparison }>({ query: COMPARE, variables: { ids }, pause: ids.length < 2 });
  if (ids.length < 2) return <section><h1>Compare experiments</h1><Empty>Pick two or more experiments in the <Link to="/experiments">experiments list</Link>.</Empty></section>;
  if (error) return <ErrorBox error={error} />;
  if (fetching && !data) return <Loading what="the comparison" />;
  const c = data!.compareExperiments;
  const name = (id: string) => c.experiments.find((x) => x.id === id)?.name ?? id;
  return (
    <section data-testid="comparison">
      <p><Link to="/experiments">← Experiments</Link></p>
      <h1>Compare experiments</h1>
      <div className="grid2">
        {c.metrics.map((m) => <MetricBars key={m.metric} metric={m} name={name} />)}
      </div>
      <h2>Mean ± std and rank</h2>
      <table className="table">
        <thead><tr><th>Experiment</th>{c.metrics.map((m) => <th key={m.metric} className="num">{m.metric}</th>)}</tr></thead>
        <tbody>
          {c.experiments.map((x) => (
            <tr key={x.id}>
              <td><Link to={`/experiments/${x.id}`}>{x.name}</Link> <span className="muted">({x.model})</span></td>
              {c.metrics.map((m) => {
                const entry = m.entries.find((en) => en.experimentId === x.id);
                return <td key={m.metric} className="num">{entry ? `${pct(entry.mean)} ± ${pct(entry.std)} (#${entry.rank})` : '–'}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Paired tests</h2>
      <table className="table" data-testid="pairs">
        <thead><tr><th>A</th><th>B</th><th>Metric</th><th className="num">Mean difference</th><th className="num">t</th><th className="num">p-value</th></tr></thead>
        <tbody>
          {c.pairs.map((p) => (
            <tr key={`${p.a}-${p.b}-${p.metric}`}>
              <td>{name(p.a)}</td><td>{name(p.b)}</td><td>{p.metric}</td>
              <td className="num">{pct(p.meanDifference)}</td>
              <td className="num">{p.paired ? fmt(p.t, 2) : '–'}</td>
              <td className="num">{p.paired ? fmt(p.pValue, 4) : <span className="muted">{p.reason}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function MetricBars({ metric, name }: { metric: Comparison['metrics'][number]; name: (id: string) => string }) {
  const { options, data } = useMemo(() => {
    const entries = metric.entries;
    const x = entries.map((_, i) => i);
    const mean = entries.map((e) => e.mean);
    const hi = entries.map((e) => (e.mean === null ? null : e.mean + (e.std ?? 0)));
    const lo = entries.map((e) => (e.mean === null ? null : e.mean - (e.std ?? 0)));
    const bars = uPlot.paths.bars!({ size: [0.6, 80] });
    const options: Omit<Options, 'width' | 'height'> = {
      scales: { x: { time: false, range: [-0.5, entries.length - 0.5] }, y: { range: [0, 1] } },
      series: [
        { label: 'experiment' },
        { label: `${metric.metric} mean`, paths: bars, fill: colour(0, 0.5), stroke: colour(0), points: { show: false } },
        { label: '+ std', stroke: '#222', paths: () => null, points: { show: true, size: 8, fill: '#222' } },
        { label: '− std', stroke: '#222', paths: () => null, points: { show: true, size: 8, fill: '#222' } },
      ],
      axes: [{ values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) && entries[t] ? name(entries[t].experimentId) : '')), splits: () => x }, { label: metric.metric }],
    };
    return { options, data: [x, mean, hi, lo] as unknown as AlignedData };
  }, [metric, name]);
  return (
    <div>
      <h2>{metric.metric}</h2>
      <Plot options={options} data={data} height={240} label={`${metric.metric}: mean with mean ± std marks per experiment`} />
    </div>
  );
}
