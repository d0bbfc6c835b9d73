import { followStudy } from '../../src/cli/study.command';
import { GraphqlError } from '../../src/cli/graphql-client';

/** A client whose answers are scripted: an Error is thrown, anything else is the study. */
function scriptedClient(answers: (Error | { status: string; experimentsFinished: number; experimentsTotal: number })[]) {
  let calls = 0;
  return {
    url: 'http://127.0.0.1:1/graphql',
    get calls() {
      return calls;
    },
    async request<T>(): Promise<T> {
      const answer = answers[Math.min(calls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return { study: { ...answer, experiments: [] } } as T;
    },
  };
}

const unreachable = () => new GraphqlError('cannot reach http://127.0.0.1:1/graphql: fetch failed', 'UNREACHABLE');

describe('study run: following a study', () => {
  it('waits through a server that cannot be reached for a while (a restart) and follows the study to its end', async () => {
    const client = scriptedClient([{ status: 'RUNNING', experimentsFinished: 1, experimentsTotal: 4 }, unreachable(), unreachable(), { status: 'FINISHED', experimentsFinished: 4, experimentsTotal: 4 }]);
    const lines: string[] = [];
    await followStudy(client, 'id', { update: (_share, text) => lines.push(text) }, { pollMs: 1, patienceMs: 60_000 });
    expect(client.calls).toBe(4);
    expect(lines.filter((l) => l.startsWith('cannot reach'))).toHaveLength(2);
    expect(lines[lines.length - 1]).toBe('4/4 experiments done');
  });

  it('gives up once the server has been unreachable for the whole patience', async () => {
    const client = scriptedClient([unreachable()]);
    await expect(followStudy(client, 'id', { update: () => undefined }, { pollMs: 5, patienceMs: 30 })).rejects.toThrow(/cannot reach/);
    expect(client.calls).toBeGreaterThan(1);
  });

  it('ends at once on any other error', async () => {
    const client = scriptedClient([new GraphqlError('no study has the id "id"', 'NOT_FOUND')]);
    await expect(followStudy(client, 'id', { update: () => undefined }, { pollMs: 1, patienceMs: 60_000 })).rejects.toThrow(/no study/);
    expect(client.calls).toBe(1);
  });
});
