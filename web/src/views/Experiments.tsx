import { useState } from 'react';
import { useQuery } from 'urql';
import { Empty, ErrorBox, Link, Loading, go, meanStd } from '../components/ui';

const EXPERIMENTS = `query Experiments($filter: ExperimentFilter) {
  experimentsConnection(filter: $filter, first: 100, order: NEWEST_FIRST) {
    totalCount nodes { id name model status datasetId createdAt tags accuracy { mean std } macroF1 { mean std } }
  }
}`;

interface Row { id: string; name: string; model: string; status: string; datasetId: string; createdAt: string; tags: string[]; accuracy: { mean: number | null; std: number | null }; macroF1: { mean: number | null; std: number | null } }

export function ExperimentsView() {
  const [nameContains, setName] = useState('');
  const [status, setStatus] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const filter = { nameContains: nameContains || undefined, status: status || undefined };
  const [{ data, error, fetching }] = useQuery<{ experimentsConnection: { totalCount: number; nodes: Row[] } }>({ query: EXPERIMENTS, variables: { filter } });
  const toggle = (id: string) => setSelected(selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id]);
  return (
    <section>
      <h1>Experiments</h1>
      <div className="row">
        <Link to="/experiments/new" className="button">New experiment</Link>
        <label>Name contains <input value={nameContains} onChange={(e) => setName(e.target.value)} /></label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any</option>
            {['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'INTERRUPTED'].map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
        <button type="button" disabled={selected.length < 2} onClick={() => go(`/compare?ids=${selected.join(',')}`)}>Compare {selected.length || ''} selected</button>
      </div>
      {error && <ErrorBox error={error} />}
      {fetching && !data && <Loading what="experiments" />}
      {data && data.experimentsConnection.nodes.length === 0 && <Empty>No experiments{nameContains || status ? ' match the filters' : ' yet'}.</Empty>}
      {data && data.experimentsConnection.nodes.length > 0 && (
        <table className="table" data-testid="experiments">
          <thead><tr><th>Compare</th><th>Name</th><th>Model</th><th>Status</th><th className="num">Accuracy</th><th className="num">Macro F1</th><th>Created</th></tr></thead>
          <tbody>
            {data.experimentsConnection.nodes.map((x) => (
              <tr key={x.id}>
                <td><input type="checkbox" aria-label={`compare ${x.name}`} checked={selected.includes(x.id)} onChange={() => toggle(x.id)} /></td>
                <td><Link to={`/experiments/${x.id}`}>{x.name}</Link></td>
                <td>{x.model}</td>
                <td><span className={`status ${x.status}`}>{x.status}</span></td>
                <td className="num">{meanStd(x.accuracy)}</td>
                <td className="num">{meanStd(x.macroF1)}</td>
                <td>{new Date(x.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
