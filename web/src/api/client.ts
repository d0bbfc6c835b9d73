import { createClient as createWsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange, type CombinedError } from 'urql';
import { authHeaders, getToken, graphqlUrl, websocketUrl } from './token';

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called whenever the server answers UNAUTHENTICATED (no token, or a wrong one): the app shows its sign-in form. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export function isUnauthenticated(error: CombinedError | undefined): boolean {
  if (!error) return false;
  return error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED') || error.response?.status === 401;
}

const ws = createWsClient({
  url: websocketUrl(),
  lazy: true,
  // Read on every (re)connection, so a new sign-in applies to the next subscription.
  connectionParams: () => {
    const token = getToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  },
});

/** Restarts the subscriptions' socket (after a sign-in, so that it carries the new token). */
export function reconnect(): void {
  ws.terminate();
}

export const client = new Client({
  url: graphqlUrl(),
  requestPolicy: 'cache-and-network',
  // POST only: Apollo's CSRF prevention refuses simple GET requests, and the server wants JSON bodies.
  preferGetMethod: false,
  // Apollo's CSRF prevention wants this header on multipart requests (file uploads); harmless on the others.
  fetchOptions: () => ({ headers: { ...authHeaders(), 'apollo-require-preflight': 'true' } }),
  exchanges: [
    cacheExchange,
    mapExchange({
      onError(error) {
        if (isUnauthenticated(error)) unauthenticatedListeners.forEach((l) => l());
      },
    }),
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query || '' };
        return {
          subscribe(sink) {
            const unsubscribe = ws.subscribe(input, sink);
            return { unsubscribe };
          },
        };
      },
    }),
  ],
});

/** The message of a failed operation, as a person should read it. */
export function errorMessage(error: CombinedError): string {
  if (error.graphQLErrors.length) return error.graphQLErrors.map((e) => e.message).join('; ');
  return error.networkError?.message ?? error.message;
}
