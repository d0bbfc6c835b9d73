/** Form fields generated from a plugin's parameter schema (Plugin.parameters). */
export interface PluginParameter {
  name: string;
  type: string;
  description: string;
  default: unknown;
  nullable: boolean;
  min: number | null;
  max: number | null;
  values: string[] | null;
}

export interface PluginInfo {
  name: string;
  kind: string;
  description: string;
  parameters: PluginParameter[];
}

export const PLUGINS = `query Plugins { plugins { name kind description error parameters { name type description default nullable min max exclusiveMin exclusiveMax values } } }`;

/** The text a field shows for a value. */
export function fieldText(p: PluginParameter, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (p.type.endsWith('Array')) return (value as unknown[]).join(', ');
  if (p.type === 'json') return JSON.stringify(value);
  return String(value);
}

/** Parses the fields into params; only the ones changed from their default are sent. Throws on bad input. */
export function parseParams(parameters: PluginParameter[], texts: Record<string, string>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const p of parameters) {
    const text = texts[p.name];
    if (text === undefined || text === fieldText(p, p.default)) continue;
    if (text.trim() === '') {
      if (p.nullable) params[p.name] = null;
      continue;
    }
    params[p.name] = parseValue(p, text);
  }
  return params;
}

function parseValue(p: PluginParameter, text: string): unknown {
  const number = (t: string) => {
    const v = Number(t.trim());
    if (!Number.isFinite(v)) throw new Error(`${p.name}: "${t}" is not a number`);
    return v;
  };
  switch (p.type) {
    case 'number':
    case 'integer':
      return number(text);
    case 'boolean':
      return text === 'true';
    case 'numberArray':
    case 'integerArray':
      return text.split(',').filter((s) => s.trim() !== '').map(number);
    case 'stringArray':
      return text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(`${p.name}: not valid JSON`);
      }
    default:
      return text;
  }
}

export function ParamsForm({ plugin, texts, onChange, idPrefix }: { plugin: PluginInfo; texts: Record<string, string>; onChange: (texts: Record<string, string>) => void; idPrefix: string }) {
  if (plugin.parameters.length === 0) return <p className="muted">No parameters.</p>;
  const set = (name: string, value: string) => onChange({ ...texts, [name]: value });
  return (
    <div className="params">
      {plugin.parameters.map((p) => {
        const id = `${idPrefix}-${p.name}`;
        const value = texts[p.name] ?? fieldText(p, p.default);
        const bounds = [p.min !== null ? `min ${p.min}` : '', p.max !== null ? `max ${p.max}` : ''].filter(Boolean).join(', ');
        const title = `${p.description}${bounds ? ` (${bounds})` : ''}`;
        if (p.type === 'boolean') {
          return (
            <label key={p.name} className="check" title={title}>
              <input id={id} name={p.name} type="checkbox" checked={value === 'true'} onChange={(e) => set(p.name, String(e.target.checked))} /> {p.name}
            </label>
          );
        }
        if (p.type === 'enum' && p.values) {
          return (
            <label key={p.name} title={title}>
              {p.name}
              <select id={id} name={p.name} value={value} onChange={(e) => set(p.name, e.target.value)}>
                {p.nullable && <option value="">(none)</option>}
                {p.values.map((v) => <option key={v}>{v}</option>)}
              </select>
            </label>
          );
        }
        if (p.type === 'json') {
          return (
            <label key={p.name} title={title}>
              {p.name}
              <textarea id={id} name={p.name} value={value} onChange={(e) => set(p.name, e.target.value)} />
            </label>
          );
        }
        const numeric = p.type === 'number' || p.type === 'integer';
        return (
          <label key={p.name} title={title}>
            {p.name}
            <input
              id={id}
              name={p.name}
              type={numeric ? 'number' : 'text'}
              step={p.type === 'integer' ? 1 : 'any'}
              min={numeric && p.min !== null ? p.min : undefined}
              max={numeric && p.max !== null ? p.max : undefined}
              value={value}
              placeholder={p.nullable ? 'none' : undefined}
              onChange={(e) => set(p.name, e.target.value)}
            />
          </label>
        );
      })}
    </div>
  );
}
