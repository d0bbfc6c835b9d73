import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { client, onUnauthenticated, reconnect } from './api/client';
import { getToken, setToken } from './api/token';
import './styles.css';
import { DatasetView } from './views/Dataset';
import { DatasetsView } from './views/Datasets';
import { CompareView } from './views/Compare';
import { ExperimentView } from './views/Experiment';
import { ExperimentsView } from './views/Experiments';
import { NewExperimentView } from './views/NewExperiment';
import { PredictView } from './views/Predict';
import { StudiesView, StudyView } from './views/Studies';

function useRoute(): { path: string; query: URLSearchParams } {
  const read = () => {
    const hash = window.location.hash.replace(/^#/, '') || '/';
    const [path, search = ''] = hash.split('?');
    return { path, query: new URLSearchParams(search) };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

function Page({ path, query }: { path: string; query: URLSearchParams }) {
  let m: RegExpExecArray | null;
  if (path === '/' || path === '/datasets') return <DatasetsView />;
  if ((m = /^\/datasets\/([^/]+)$/.exec(path))) return <DatasetView id={decodeURIComponent(m[1])} />;
  if (path === '/experiments') return <ExperimentsView />;
  if (path === '/experiments/new') return <NewExperimentView datasetId={query.get('dataset')} />;
  if ((m = /^\/experiments\/([^/]+)$/.exec(path))) return <ExperimentView id={decodeURIComponent(m[1])} />;
  if (path === '/compare') return <CompareView ids={(query.get('ids') ?? '').split(',').filter(Boolean)} />;
  if (path === '/predict') return <PredictView />;
  if (path === '/studies') return <StudiesView />;
  if ((m = /^\/studies\/([^/]+)$/.exec(path))) return <StudyView id={decodeURIComponent(m[1])} />;
  return <p>No page here. <a href="#/">Datasets</a></p>;
}

function SignIn({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      className="card signin"
      aria-label="Sign in"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value.trim() || null);
        reconnect();
        onDone();
      }}
    >
      <h1>Sign in</h1>
      <p>This server requires an access token. Paste the bearer token you were given; it is kept in this browser only.</p>
      <label>Token <input type="password" name="token" autoComplete="current-password" value={value} onChange={(e) => setValue(e.target.value)} required /></label>
      <button type="submit">Sign in</button>
    </form>
  );
}

const NAV: [string, string][] = [
  ['/', 'Datasets'],
  ['/experiments', 'Experiments'],
  ['/compare', 'Compare'],
  ['/predict', 'Predict'],
  ['/studies', 'Studies'],
];

function App() {
  const route = useRoute();
  const [signIn, setSignIn] = useState(false);
  const [epoch, setEpoch] = useState(0);
  useEffect(() => onUnauthenticated(() => setSignIn(true)), []);
  const section = '/' + (route.path.split('/')[1] ?? '');
  return (
    <>
      <header className="top">
        <a className="brand" href="#/">nir-ssl</a>
        <nav aria-label="Main">
          {NAV.map(([to, label]) => (
            <a key={to} href={`#${to}`} aria-current={(to === '/' ? section === '/' || section === '/datasets' : section === to) ? 'page' : undefined}>{label}</a>
          ))}
          <a href="/graphiql/">GraphiQL</a>
        </nav>
        {getToken() && (
          <button type="button" className="link" onClick={() => { setToken(null); reconnect(); setEpoch(epoch + 1); }}>Sign out</button>
        )}
      </header>
      <main key={epoch}>
        {signIn ? <SignIn onDone={() => { setSignIn(false); setEpoch(epoch + 1); }} /> : <Page path={route.path} query={route.query} />}
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={client}>
      <App />
    </Provider>
  </StrictMode>,
);
