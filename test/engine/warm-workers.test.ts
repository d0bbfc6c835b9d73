import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { WarmWorkers } from '../../src/engine/warm-workers';
import { DomainError } from '../../src/errors';

const JOBS = path.join(__dirname, '../fixtures/warm-jobs');

describe('WarmWorkers', () => {
  let pool: WarmWorkers;
  afterEach(async () => {
    await pool.close();
  });

  it('keeps a thread and its module state between jobs', async () => {
    pool = new WarmWorkers(1);
    const first = await pool.run<{ threadId: number; calls: number }>(JOBS, 'count', null);
    const second = await pool.run<{ threadId: number; calls: number }>(JOBS, 'count', null);
    expect(first.threadId).not.toBe(threadId);
    expect(second).toEqual({ threadId: first.threadId, calls: 2 });
    expect(pool.started).toBe(1);
  });

  it('runs a job on several threads at once, and the next job on the least busy one', async () => {
    pool = new WarmWorkers(2);
    const ids = await pool.runOnMany<number>(2, JOBS, 'slow', 50);
    expect(new Set(ids).size).toBe(2);
    const busy = pool.run<number>(JOBS, 'slow', 300);
    const free = await pool.run<number>(JOBS, 'slow', 1);
    expect(free).not.toBe(await busy);
  });

  it('rethrows a domain error with its code, and the thread lives on', async () => {
    pool = new WarmWorkers(1);
    const before = await pool.run<{ threadId: number }>(JOBS, 'count', null);
    const error = await pool.run(JOBS, 'reject', 'no such wavelength').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', message: 'no such wavelength' });
    expect((await pool.run<{ threadId: number }>(JOBS, 'count', null)).threadId).toBe(before.threadId);
  });

  it('fails the jobs of a thread that dies and replaces it on next use', async () => {
    pool = new WarmWorkers(1);
    const before = await pool.run<{ threadId: number }>(JOBS, 'count', null);
    await expect(pool.run(JOBS, 'crash', null)).rejects.toThrow(/exited with code 3/);
    const after = await pool.run<{ threadId: number; calls: number }>(JOBS, 'count', null);
    expect(after.threadId).not.toBe(before.threadId);
    expect(after.calls).toBe(1);
  });

  it('stops idle threads after the idle time, and refuses work once closed', async () => {
    pool = new WarmWorkers(1, 50);
    await pool.run(JOBS, 'count', null);
    expect(pool.started).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(pool.started).toBe(0);
    await pool.close();
    expect(() => pool.run(JOBS, 'count', null)).toThrow(/closed/);
  });
});
