/** The bearer token (access control, when the server has it on) lives in localStorage. */
const KEY = 'nir-ssl.token';

export function getToken(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(KEY, token);
  else localStorage.removeItem(KEY);
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function graphqlUrl(): string {
  return new URL('/graphql', window.location.href).toString();
}

export function websocketUrl(): string {
  return graphqlUrl().replace(/^http/, 'ws');
}
