import { marked } from 'marked';
import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Empty, ErrorBox, Link, Loading, go } from '../components/ui';

const STUDIES = `query Studies { studiesConnection(first: 100, order: NEWEST_FIRST) { nodes { id name preset status datasetId experimentsTotal experimentsFinished createdAt } } }`;
const DATASETS = `query DatasetNames { datasetsConnection(first: 100) { nodes { id name } } }`;
const CREATE = `mutation CreateStudy($input: CreateStudyInput!) { createStudy(input: $input) { id } }`;
const STUDY = `query Study($id: ID!) { study(id: $id) { id name preset status datasetId experimentsTotal experimentsFinished settings report experiments { id name status } } }`;
const PROGRESS = `subscription StudyProgress($id: ID!) { studyProgress(studyId: $id) { studyId status experimentsTotal experimentsFinished running { experimentId stage epoch epochs fold } } }`;

interface StudyRow { id: string; name: string; preset: string; status: string; datasetId: string; experimentsTotal: number; experimentsFinished: number; createdAt: string }

export function StudiesView() {
  const [{ data, error }] = useQuery<{ studiesConnection: { nodes: StudyRow[] } }>({ query: STUDIES });
  const [datasets] = useQuery<{ datasetsConnection: { nodes: { id: string; name: string }[] } }>({ query: DATASETS });
  const [, create] = useMutation<{ createStudy: { id: string } }>(CREATE);
  const [datasetId, setDatasetId] = useState('');
  const [preset, setPreset] = useState('QUICK');
  const [folds, setFolds] = useState('');
  const [pretextEpochs, setPretextEpochs] = useState('');
  const [finetuneEpochs, setFinetuneEpochs] = useState('');
  const [parts, setParts] = useState('');
  const [createError, setCreateError] = useState<string | null>(null);
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const chosen = datasetId || datasets.data?.datasetsConnection.nodes[0]?.id || '';

  async function start() {
    setCreateError(null);
    const input = { datasetId: chosen, preset, folds: num(folds), pretextEpochs: num(pretextEpochs), finetuneEpochs: num(finetuneEpochs), parts: parts.trim() ? parts.split(',').map((p) => p.trim()) : undefined };
    const r = await create({ input });
    if (r.error) setCreateError(r.error.graphQLErrors.map((e) => e.message).join('; ') || r.error.message);
    else go(`/studies/${r.data!.createStudy.id}`);
  }

  return (
    <section>
      <h1>Studies</h1>
      <form className="card" aria-label="Start a study" onSubmit={(e) => { e.preventDefault(); void start(); }}>
        <h2>Start a study</h2>
        <p className="muted">The paper's experiment set on one dataset. Leave a field empty for the preset's value.</p>
        <div className="row">
          <label>Dataset <select value={chosen} onChange={(e) => setDatasetId(e.target.value)}>{datasets.data?.datasetsConnection.nodes.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}</select></label>
          <label>Preset <select value={preset} onChange={(e) => setPreset(e.target.value)}><option>QUICK</option><option>FULL</option></select></label>
          <label>Parts <input name="parts" value={parts} onChange={(e) => setParts(e.target.value)} placeholder="all (table4, fig5, sweep, fig7, fig6, auto)" /></label>
          <label>Folds <input name="folds" type="number" min={2} value={folds} onChange={(e) => setFolds(e.target.value)} /></label>
          <label>Pretext epochs <input name="pretextEpochs" type="number" min={1} value={pretextEpochs} onChange={(e) => setPretextEpochs(e.target.value)} /></label>
          <label>Fine-tune epochs <input name="finetuneEpochs" type="number" min={1} value={finetuneEpochs} onChange={(e) => setFinetuneEpochs(e.target.value)} /></label>
          <button type="submit" disabled={!chosen}>Start</button>
        </div>
        {createError && <ErrorBox error={createError} />}
      </form>
      {error && <ErrorBox error={error} />}
      {!data && !error && <Loading what="studies" />}
      {data && data.studiesConnection.nodes.length === 0 && <Empty>No studies yet.</Empty>}
      {data && data.studiesConnection.nodes.length > 0 && (
        <table className="table">
          <thead><tr><th>Name</th><th>Preset</th><th>Status</th><th className="num">Experiments</th><th>Created</th></tr></thead>
          <tbody>
            {data.studiesConnection.nodes.map((s) => (
              <tr key={s.id}>
                <td><Link to={`/studies/${s.id}`}>{s.name}</Link></td><td>{s.preset}</td><td><span className={`status ${s.status}`}>{s.status}</span></td>
                <td className="num">{s.experimentsFinished} / {s.experimentsTotal}</td><td>{new Date(s.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface StudyData { id: string; name: string; preset: string; status: string; datasetId: string; experimentsTotal: number; experimentsFinished: number; settings: unknown; report: string; experiments: { id: string; name: string; status: string }[] }
interface StudyProgress { status: string; experimentsTotal: number; experimentsFinished: number; running: { experimentId: string; stage: string | null; epoch: number | null; epochs: number | null; fold: number | null } | null }

export function StudyView({ id }: { id: string }) {
  const [{ data, error }, refetch] = useQuery<{ study: StudyData | null }>({ query: STUDY, variables: { id } });
  const running = data?.study?.status === 'RUNNING';
  const [{ data: progress }] = useSubscription<{ studyProgress: StudyProgress }>({ query: PROGRESS, variables: { id }, pause: !running });
  const p = progress?.studyProgress;
  const finished = p?.experimentsFinished;
  useEffect(() => {
    if (finished !== undefined) refetch({ requestPolicy: 'network-only' });
  }, [finished, refetch]);
  const html = useMemo(() => (data?.study ? (marked.parse(data.study.report, { async: false }) as string) : ''), [data?.study]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading what="the study" />;
  const s = data.study;
  if (!s) return <Empty>No study with id {id}.</Empty>;
  const done = p?.experimentsFinished ?? s.experimentsFinished;
  const total = p?.experimentsTotal ?? s.experimentsTotal;
  return (
    <section>
      <p><Link to="/studies">← Studies</Link></p>
      <h1>{s.name} <span className={`status ${p?.status ?? s.status}`}>{p?.status ?? s.status}</span></h1>
      <div className="card">
        <div data-testid="study-progress">{done} of {total} experiments finished{p?.running ? ` · running experiment ${p.running.experimentId}: fold ${p.running.fold ?? '–'}, ${p.running.stage ?? ''} epoch ${p.running.epoch ?? '–'}${p.running.epochs ? ` / ${p.running.epochs}` : ''}` : ''}</div>
        <progress max={total || 1} value={done} />
      </div>
      <h2>Report</h2>
      {/* The report is the server's own Markdown (numbers and plugin names), rendered as HTML. */}
      <article data-testid="report" className="report card" dangerouslySetInnerHTML={{ __html: html }} />
      <h2>Experiments</h2>
      <ul>{s.experiments.map((x) => <li key={x.id}><Link to={`/experiments/${x.id}`}>{x.name}</Link> <span className={`status ${x.status}`}>{x.status}</span></li>)}</ul>
    </section>
  );
}
