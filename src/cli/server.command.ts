import { Command } from 'commander';
import { act, fields, printing, show, table, withClient, type OutputOptions } from './context';

/** `nir-ssl serve`, `nir-ssl system`, `nir-ssl workers`: the server, what it runs on, its workers. */

export function serveCommand(): Command {
  return new Command('serve')
    .description('start the GraphQL server and the dashboard (the same as npm start; settings from the environment, see the README)')
    .action(() => {
      require('../main');
      // The server runs until SIGINT/SIGTERM, which exit the process.
      return new Promise<never>(() => undefined);
    });
}

export function systemCommand(): Command {
  type System = {
    version: string;
    nodeVersion: string;
    database: string;
    uptimeSeconds: number;
    backend: { name: string; version: string; threads: number; gpu: boolean; features: string[]; reason: string };
    queue: { kind: string; url: string | null; up: boolean };
  };
  return printing(new Command('system').description('the server: version, database, compute backend (and why) and job queue')).action(
    act(async (o: OutputOptions) =>
      withClient(o, async (client) => {
        const { system } = await client.request<{ system: System }>(
          '{ system { version nodeVersion database uptimeSeconds backend { name version threads gpu features reason } queue { kind url up } } }',
        );
        show(o, system, (s) =>
          fields([
            ['version', s.version],
            ['node', s.nodeVersion],
            ['database', s.database],
            ['uptime', `${Math.round(s.uptimeSeconds)} s`],
            ['backend', `${s.backend.name} ${s.backend.version}, ${s.backend.threads} threads${s.backend.gpu ? ', GPU' : ''}${s.backend.features.length > 0 ? ` (${s.backend.features.join(', ')})` : ''}`],
            ['why', s.backend.reason],
            ['queue', `${s.queue.kind}${s.queue.url ? ` ${s.queue.url}` : ''}, ${s.queue.up ? 'up' : 'DOWN'}`],
          ]),
        );
      }),
    ),
  );
}

export function workersCommand(): Command {
  type WorkerRow = { name: string; host: string; pid: number; backend: string; concurrency: number; state: string; runningFolds: { experimentId: string; fold: number }[]; lastSeen: string };
  return printing(new Command('workers').description('the worker processes of the distributed queue seen in the last day (none with the in-process queue)')).action(
    act(async (o: OutputOptions) =>
      withClient(o, async (client) => {
        const { workers } = await client.request<{ workers: WorkerRow[] }>('{ workers { name host pid backend concurrency state runningFolds { experimentId fold } lastSeen } }');
        show(o, workers, (rows) =>
          table(
            ['NAME', 'BACKEND', 'CONCURRENCY', 'STATE', 'RUNNING FOLDS', 'LAST SEEN'],
            rows.map((w) => [w.name, w.backend, String(w.concurrency), w.state, w.runningFolds.map((f) => `${f.experimentId}#${f.fold + 1}`).join(' ') || '-', w.lastSeen]),
          ),
        );
      }),
    ),
  );
}
