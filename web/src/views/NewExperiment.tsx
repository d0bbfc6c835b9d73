import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { PLUGINS, ParamsForm, parseParams, type PluginInfo } from '../components/ParamsForm';
import { ErrorBox, Loading, go } from '../components/ui';

const DATASETS = `query DatasetNames { datasetsConnection(first: 100) { nodes { id name sampleCount classes { count } } } }`;
const CREATE = `mutation CreateExperiment($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`;

interface Step { name: string; texts: Record<string, string> }

export function NewExperimentView({ datasetId }: { datasetId: string | null }) {
  const [plugins] = useQuery<{ plugins: PluginInfo[] }>({ query: PLUGINS });
  const [datasets] = useQuery<{ datasetsConnection: { nodes: { id: string; name: string }[] } }>({ query: DATASETS });
  const [, create] = useMutation<{ createExperiment: { id: string } }>(CREATE);
  const models = useMemo(() => (plugins.data?.plugins ?? []).filter((p) => p.kind === 'CLASSIFIER' || p.kind === 'BASELINE'), [plugins.data]);
  const transforms = useMemo(() => (plugins.data?.plugins ?? []).filter((p) => p.kind === 'TRANSFORM'), [plugins.data]);
  const [name, setName] = useState('');
  const [dataset, setDataset] = useState(datasetId ?? '');
  const [model, setModel] = useState('');
  const [modelTexts, setModelTexts] = useState<Record<string, string>>({});
  const [steps, setSteps] = useState<Step[]>([]);
  const [folds, setFolds] = useState('5');
  const [seed, setSeed] = useState('0');
  const [labelFraction, setLabelFraction] = useState('1');
  const [repeats, setRepeats] = useState('1');
  const [trainFinalModel, setTrainFinalModel] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (plugins.error) return <ErrorBox error={plugins.error} />;
  if (!plugins.data || !datasets.data) return <Loading what="the plugins" />;
  const chosenDataset = dataset || datasets.data.datasetsConnection.nodes[0]?.id || '';
  const chosenModel = models.find((m) => m.name === (model || models[0]?.name));

  async function submit() {
    setError(null);
    try {
      if (!chosenModel) throw new Error('choose a model');
      const input = {
        name: name.trim() || `${chosenModel.name} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
        datasetId: chosenDataset,
        model: { plugin: chosenModel.name, params: parseParams(chosenModel.parameters, modelTexts) },
        preprocessing: steps.map((s) => ({ name: s.name, params: parseParams(transforms.find((t) => t.name === s.name)!.parameters, s.texts) })),
        protocol: { folds: Number(folds), seed: Number(seed), labelFraction: Number(labelFraction), repeats: Number(repeats) },
        trainFinalModel,
      };
      setBusy(true);
      const r = await create({ input });
      setBusy(false);
      if (r.error) setError(r.error.graphQLErrors.map((e) => e.message).join('; ') || r.error.message);
      else go(`/experiments/${r.data!.createExperiment.id}`);
    } catch (e) {
      setBusy(false);
      setError((e as Error).message);
    }
  }

  return (
    <form onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-label="New experiment">
      <h1>New experiment</h1>
      <div className="card">
        <div className="row">
          <label>Name <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="named after the model" /></label>
          <label>
            Dataset
            <select name="dataset" value={chosenDataset} onChange={(e) => setDataset(e.target.value)} required>
              {datasets.data.datasetsConnection.nodes.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
            </select>
          </label>
          <label>
            Model
            <select name="model" value={chosenModel?.name ?? ''} onChange={(e) => { setModel(e.target.value); setModelTexts({}); }}>
              {models.map((m) => <option key={m.name} value={m.name}>{m.name} ({m.kind.toLowerCase()})</option>)}
            </select>
          </label>
        </div>
        {chosenModel && <p className="muted">{chosenModel.description}</p>}
      </div>
      {chosenModel && (
        <fieldset className="card">
          <legend>Model parameters ({chosenModel.name})</legend>
          <ParamsForm plugin={chosenModel} texts={modelTexts} onChange={setModelTexts} idPrefix="model" />
        </fieldset>
      )}
      <fieldset className="card">
        <legend>Pre-processing</legend>
        {steps.length === 0 && <p className="muted">None: the model sees the spectra as stored.</p>}
        {steps.map((s, i) => {
          const plugin = transforms.find((t) => t.name === s.name)!;
          return (
            <div key={i} className="card">
              <div className="row">
                <strong>{i + 1}. {s.name}</strong>
                <button type="button" className="secondary" onClick={() => setSteps(steps.filter((_, j) => j !== i))}>Remove</button>
              </div>
              <ParamsForm plugin={plugin} texts={s.texts} onChange={(texts) => setSteps(steps.map((t, j) => (j === i ? { ...t, texts } : t)))} idPrefix={`step${i}`} />
            </div>
          );
        })}
        <label>
          Add a step
          <select value="" aria-label="Add a pre-processing step" onChange={(e) => e.target.value && setSteps([...steps, { name: e.target.value, texts: {} }])}>
            <option value="">choose a transform…</option>
            {transforms.map((t) => <option key={t.name} value={t.name}>{t.name}</option>)}
          </select>
        </label>
      </fieldset>
      <fieldset className="card">
        <legend>Protocol</legend>
        <div className="row">
          <label>Folds <input name="folds" type="number" min={2} step={1} value={folds} onChange={(e) => setFolds(e.target.value)} /></label>
          <label>Seed <input name="seed" type="number" step={1} value={seed} onChange={(e) => setSeed(e.target.value)} /></label>
          <label>Label fraction <input name="labelFraction" type="number" min={0} max={1} step="any" value={labelFraction} onChange={(e) => setLabelFraction(e.target.value)} /></label>
          <label>Repeats <input name="repeats" type="number" min={1} step={1} value={repeats} onChange={(e) => setRepeats(e.target.value)} /></label>
          <label className="check"><input type="checkbox" name="trainFinalModel" checked={trainFinalModel} onChange={(e) => setTrainFinalModel(e.target.checked)} /> Train a final model for predictions</label>
        </div>
      </fieldset>
      {error && <ErrorBox error={error} />}
      <button type="submit" disabled={busy}>Start the experiment</button>
    </form>
  );
}
