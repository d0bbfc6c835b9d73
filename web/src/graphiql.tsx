import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { createRoot } from 'react-dom/client';
import { authHeaders, graphqlUrl, websocketUrl, getToken } from './api/token';

// GraphiQL bundled with the server: works with no internet (Apollo's landing page loads from a CDN).
const fetcher = createGraphiQLFetcher({
  url: graphqlUrl(),
  subscriptionUrl: websocketUrl(),
  headers: authHeaders(),
  wsConnectionParams: getToken() ? { authorization: `Bearer ${getToken()}` } : undefined,
});

createRoot(document.getElementById('root')!).render(<GraphiQL fetcher={fetcher} defaultEditorToolsVisibility={false} />);
