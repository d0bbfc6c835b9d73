import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { DropZone, Empty, ErrorBox, Loading, meanStd, pct } from '../components/ui';

const MODELS = `query Models { modelsConnection(first: 100, order: NEWEST_FIRST) { nodes { id name plugin classes axisUnit trainedOn accuracy { mean std } createdAt } } }`;
const PREDICT = `mutation Predict($input: PredictInput!) { predict(input: $input) { id count results { index predictedClass probabilities { className probability } } } }`;

interface ModelRow { id: string; name: string; plugin: string; classes: string[]; axisUnit: string; trainedOn: number; accuracy: { mean: number | null; std: number | null } | null; createdAt: string }
interface Result { index: number; predictedClass: string; probabilities: { className: string; probability: number }[] }
interface Parsed { axis: number[]; spectra: number[][]; ids: string[]; idColumn: string | null }

/** A table of spectra: a header whose numeric columns are the axis; the first other column names the rows. */
export function parseSpectraTable(text: string): Parsed {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error('the file needs a header row and at least one spectrum');
  const delimiter = lines[0].includes('\t') ? '\t' : lines[0].includes(';') ? ';' : ',';
  const header = lines[0].split(delimiter).map((h) => h.trim().replace(/^"|"$/g, ''));
  const numeric = header.map((h) => h !== '' && Number.isFinite(Number(h)));
  const first = numeric.indexOf(true);
  if (first < 0) throw new Error('line 1: no numeric column header, so no spectral axis');
  const axis = header.slice(first).map(Number);
  const spectra: number[][] = [];
  const ids: string[] = [];
  lines.slice(1).forEach((line, i) => {
    const fields = line.split(delimiter);
    if (fields.length !== header.length) throw new Error(`line ${i + 2} has ${fields.length} fields, expected ${header.length}`);
    const values = fields.slice(first).map((f, j) => {
      const v = Number(f);
      if (f.trim() === '' || !Number.isFinite(v)) throw new Error(`line ${i + 2}, column ${first + j + 1}: "${f}" is not a number`);
      return v;
    });
    spectra.push(values);
    ids.push(first > 0 ? fields[0].trim().replace(/^"|"$/g, '') : String(i + 1));
  });
  return { axis, spectra, ids, idColumn: first > 0 ? header[0] : null };
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function PredictView() {
  const [models] = useQuery<{ modelsConnection: { nodes: ModelRow[] } }>({ query: MODELS });
  const [, predict] = useMutation<{ predict: { id: string; count: number; results: Result[] } }>(PREDICT);
  const [modelId, setModelId] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [parsed, setParsed] = useState<Parsed | null>(null);
  const [results, setResults] = useState<Result[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (models.error) return <ErrorBox error={models.error} />;
  if (!models.data) return <Loading what="models" />;
  const list = models.data.modelsConnection.nodes;
  const chosen = list.find((m) => m.id === (modelId || list[0]?.id));

  async function run() {
    if (!chosen || !parsed) return;
    setError(null);
    setBusy(true);
    const r = await predict({ input: { modelId: chosen.id, spectra: parsed.spectra, axis: parsed.axis } });
    setBusy(false);
    if (r.error) setError(r.error.graphQLErrors.map((e) => e.message).join('; ') || r.error.message);
    else setResults(r.data!.predict.results);
  }

  function download() {
    if (!chosen || !results || !parsed) return;
    const header = [parsed.idColumn ?? 'row', 'predicted', ...chosen.classes.map((c) => `p(${c})`)];
    const rows = results.map((r) => [parsed.ids[r.index], r.predictedClass, ...chosen.classes.map((c) => String(r.probabilities.find((p) => p.className === c)?.probability ?? ''))]);
    const csv = [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `predictions-${(fileName ?? 'spectra').replace(/\.[^.]+$/, '')}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  return (
    <section>
      <h1>Predict</h1>
      {list.length === 0 ? (
        <Empty>No trained models yet: run an experiment with “Train a final model for predictions”.</Empty>
      ) : (
        <div className="card">
          <div className="row">
            <label>
              Model
              <select name="model" value={chosen?.id ?? ''} onChange={(e) => { setModelId(e.target.value); setResults(null); }}>
                {list.map((m) => <option key={m.id} value={m.id}>{m.name} ({m.plugin}, {m.classes.length} classes)</option>)}
              </select>
            </label>
            {chosen && <span className="muted">trained on {chosen.trainedOn} spectra · cross-validated accuracy {meanStd(chosen.accuracy)}</span>}
          </div>
          <DropZone
            testId="predict-drop"
            accept=".csv,.tsv,.txt,text/csv"
            label={fileName ? `${fileName}: ${parsed?.spectra.length ?? 0} spectra × ${parsed?.axis.length ?? 0} points — drop another file to replace it` : 'Drop a CSV of spectra here (header: the axis), or click to choose one'}
            onFile={async (file) => {
              setFileName(file.name);
              setResults(null);
              setError(null);
              try {
                setParsed(parseSpectraTable(await file.text()));
              } catch (e) {
                setParsed(null);
                setError((e as Error).message);
              }
            }}
          />
          <div className="row">
            <button type="button" disabled={!parsed || busy} onClick={() => void run()}>Predict</button>
            <button type="button" className="secondary" disabled={!results} onClick={download}>Download CSV</button>
          </div>
        </div>
      )}
      {error && <ErrorBox error={error} />}
      {results && chosen && parsed && (
        <table className="table compact" data-testid="predictions">
          <thead><tr><th>{parsed.idColumn ?? 'Row'}</th><th>Predicted</th>{chosen.classes.map((c) => <th key={c} className="num">p({c})</th>)}</tr></thead>
          <tbody>
            {results.map((r) => (
              <tr key={r.index}>
                <td>{parsed.ids[r.index]}</td><td><strong>{r.predictedClass}</strong></td>
                {chosen.classes.map((c) => <td key={c} className="num">{pct(r.probabilities.find((p) => p.className === c)?.probability)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
