import { buildProgram, walk } from '../../src/cli/main';
import { cli } from '../helpers/cli';

describe('the CLI command tree (commander)', () => {
  const commands = walk(buildProgram());

  it('has every command group of the GraphQL API', () => {
    const names = commands.map((c) => c.name);
    for (const name of [
      'serve',
      'worker',
      'datasets list',
      'datasets show',
      'datasets import',
      'datasets export',
      'datasets preview',
      'datasets rename',
      'datasets delete',
      'experiments run',
      'experiments create',
      'experiments watch',
      'experiments list',
      'experiments show',
      'experiments cancel',
      'experiments delete',
      'experiments compare',
      'models list',
      'models show',
      'models export',
      'models import',
      'models delete',
      'predict',
      'predictions list',
      'encoders pretrain',
      'encoders list',
      'encoders show',
      'encoders delete',
      'study run',
      'study report',
      'study summary',
      'study list',
      'study show',
      'plugins list',
      'plugins show',
      'system',
      'workers',
      'tokens create',
      'tokens list',
      'tokens revoke',
      'audit',
    ]) {
      expect(names).toContain(name);
    }
  });

  it.each(walk(buildProgram()).map((c) => [c.name]))('%s: a description and --help', async (name) => {
    const command = commands.find((c) => c.name === name)!.command;
    expect(command.description().length).toBeGreaterThan(10);
    const help = await cli([...name.split(' '), '--help']);
    expect(help.code).toBe(0);
    expect(help.err).toBe('');
    expect(help.out).toContain(`Usage: nir-ssl ${name}`);
    expect(help.out).toContain(command.description().slice(0, 30));
    // Every option is explained.
    for (const option of command.options) expect(option.description.length).toBeGreaterThan(5);
  });

  it('prints JSON with --json on every leaf command that prints results, except the streams', () => {
    const leaves = commands.filter((c) => c.command.commands.length === 0);
    const without = leaves.filter((c) => !c.command.options.some((o) => o.long === '--json')).map((c) => c.name);
    // serve and worker run until stopped; they print no result.
    expect(without.sort()).toEqual(['serve', 'worker']);
  });

  it('answers a usage error with commander\'s message, the help and exit code 2', async () => {
    const unknown = await cli(['datasets', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/error: unknown command 'frobnicate'/);
    expect(unknown.err).toMatch(/Usage: nir-ssl datasets/);
    const missing = await cli(['experiments', 'run', '--model', 'knn']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/error: required option '--dataset <name-or-id>' not specified/);
    const bad = await cli(['experiments', 'list', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown option '--bogus'/);
    const notNumber = await cli(['experiments', 'run', '--dataset', 'x', '--model', 'knn', '--folds', 'five']);
    expect(notNumber.code).toBe(2);
    expect(notNumber.err).toMatch(/option '--folds <k>' argument 'five' is invalid. not an integer/);
    const choice = await cli(['predict', 'x.csv', '--model', 'm', '--format', 'xml']);
    expect(choice.code).toBe(2);
    expect(choice.err).toMatch(/Allowed choices are csv, json/);
    const both = await cli(['predict', '--model', 'm']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/give a FILE or --dataset/);
  });

  it('shows the top-level help with --help and without a command', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: nir-ssl \[options\] \[command\]/);
    expect(help.out).toMatch(/predict \[options\] \[file\]/);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/Usage: nir-ssl/);
  });
});
