import { useState } from 'react';
import { useClient, useQuery } from 'urql';
import { IMPORT_ACCEPT, ImportError, importDatasetFile } from '../api/upload';
import { DropZone, Empty, ErrorBox, Link, Loading, go } from '../components/ui';

const DATASETS = `query Datasets { datasetsConnection(first: 100, order: NEWEST_FIRST) { totalCount nodes { id name sampleCount variableCount axisUnit source classes { name count } } } }`;

interface DatasetRow {
  id: string;
  name: string;
  sampleCount: number;
  variableCount: number;
  axisUnit: string;
  source: string;
  classes: { name: string; count: number }[];
}

export function DatasetsView() {
  const [{ data, fetching, error }, refetch] = useQuery<{ datasetsConnection: { totalCount: number; nodes: DatasetRow[] } }>({ query: DATASETS });
  return (
    <section>
      <h1>Datasets</h1>
      <ImportForm onImported={(id) => { refetch({ requestPolicy: 'network-only' }); go(`/datasets/${id}`); }} />
      <h2>Stored datasets</h2>
      {error && <ErrorBox error={error} />}
      {fetching && !data && <Loading what="datasets" />}
      {data && data.datasetsConnection.nodes.length === 0 && <Empty>No datasets yet: import a CSV file above.</Empty>}
      {data && data.datasetsConnection.nodes.length > 0 && (
        <table className="table" data-testid="datasets">
          <thead>
            <tr><th>Name</th><th>Spectra</th><th>Points</th><th>Axis</th><th>Classes</th></tr>
          </thead>
          <tbody>
            {data.datasetsConnection.nodes.map((d) => (
              <tr key={d.id}>
                <td><Link to={`/datasets/${d.id}`}>{d.name}</Link></td>
                <td className="num">{d.sampleCount}</td>
                <td className="num">{d.variableCount}</td>
                <td>{d.axisUnit === 'NM' ? 'nm' : 'cm⁻¹'}</td>
                <td>{d.classes.map((c) => `${c.name} (${c.count})`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ImportForm({ onImported }: { onImported: (id: string) => void }) {
  const client = useClient();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [labelColumn, setLabelColumn] = useState('label');
  const [groupColumn, setGroupColumn] = useState('');
  const [progress, setProgress] = useState<{ fraction: number; phase: string } | null>(null);
  const [error, setError] = useState<ImportError | Error | null>(null);

  async function submit() {
    if (!file) return;
    setError(null);
    try {
      const dataset = await importDatasetFile(client, file, { name: name.trim() || file.name, labelColumn, groupColumn }, (fraction, phase) => setProgress({ fraction, phase }));
      setProgress(null);
      setFile(null);
      setName('');
      onImported(dataset.id);
    } catch (e) {
      setProgress(null);
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  }

  return (
    <form className="card" onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-label="Import a dataset">
      <h2>Import a dataset</h2>
      <p className="muted">
        A CSV or TSV table: a header row, the label column (and optional group and metadata columns) first, then one numeric column per point of the axis. Or an
        instrument file: JCAMP-DX, SPC, an Excel workbook, or a zip of spectra files with a labels CSV (columns file, label).
      </p>
      <DropZone
        testId="import-drop"
        accept={IMPORT_ACCEPT}
        label={file ? `${file.name} (${(file.size / 1024).toFixed(0)} KiB) — drop another file to replace it` : 'Drop a CSV, JCAMP-DX, SPC, xlsx or zip file here, or click to choose one'}
        onFile={(f) => {
          setFile(f);
          setError(null);
          if (!name) setName(f.name.replace(/\.(csv|tsv|txt|jdx|dx|jcamp|spc|xlsx|zip)$/i, ''));
        }}
      />
      <div className="row">
        <label>Name <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} /></label>
        <label>Label column <input name="labelColumn" value={labelColumn} onChange={(e) => setLabelColumn(e.target.value)} /></label>
        <label>Group column <input name="groupColumn" value={groupColumn} onChange={(e) => setGroupColumn(e.target.value)} placeholder="none" /></label>
        <button type="submit" disabled={!file || progress !== null}>Import</button>
      </div>
      <div className="progress-slot">
        {progress && (
          <div>
            <progress max={1} value={progress.phase === 'importing' ? undefined : progress.fraction} />
            <span className="muted"> {progress.phase === 'reading' ? 'Reading the file' : 'Importing on the server'}…</span>
          </div>
        )}
      </div>
      {error && (
        <ErrorBox>
          <strong>The import was refused:</strong> {error.message}
          {error instanceof ImportError && error.line !== null && (
            <div data-testid="import-error-where">
              At line {error.line}{error.column !== null ? `, column ${error.column}` : ''} of {file?.name ?? 'the file'}.
            </div>
          )}
        </ErrorBox>
      )}
    </form>
  );
}
