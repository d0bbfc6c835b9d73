import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { exampleSliceCsv, IMPORT_DATASET } from '../helpers/datasets';
import { launchBrowser, openPage, screenshot } from '../helpers/browser';
import { ok, startTestServer, tempDir, waitForStatus, type TestServer } from '../helpers/server';

// Training on a loaded two-core machine can take a while; at low load the file takes under a minute.
jest.setTimeout(180000);

describe('dashboard: experiments, comparison and predictions in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  let datasetId: string;
  let cnnId: string;
  const csv = exampleSliceCsv('tablet', 10);

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ databaseUrl: `file:${path.join(tempDir('web-experiments'), 'db.sqlite')}` }), launchBrowser()]);
    origin = new URL(server.url).origin;
    datasetId = ok(await server.gql<{ importDataset: { id: string } }>(IMPORT_DATASET, { input: { name: 'tablet-slice', content: csv } })).importDataset.id;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates a small CNN experiment from the generated form and watches its curve grow until it finishes', async () => {
    const { page, external, errors } = await openPage(browser, origin, server.token);
    await page.goto(`${origin}/#/experiments/new?dataset=${datasetId}`);
    await page.selectOption('select[name=model]', 'cnn-classifier');
    // Fields generated from the plugin's parameter schema.
    await page.uncheck('#model-ssl');
    await page.fill('#model-epochs', '20');
    await page.fill('#model-filters', '4, 8, 8');
    await page.fill('#model-hidden', '16, 8');
    await page.fill('#model-dropout', '0');
    await page.fill('#model-batchSize', '8');
    await page.selectOption('select[aria-label="Add a pre-processing step"]', 'snv');
    await page.getByText('1. snv').waitFor();
    await page.fill('input[name=name]', 'small cnn');
    await page.fill('input[name=folds]', '2');
    await page.check('input[name=trainFinalModel]');
    await screenshot(page, 'new-experiment');
    // Every point count the live chart shows, as the page draws it.
    await page.evaluate(`(() => {
      window.__points = [];
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid=live] ~ [data-testid=curves]');
        const n = el && Number(el.getAttribute('data-points'));
        if (n && window.__points[window.__points.length - 1] !== n) window.__points.push(n);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-points'] });
    })()`);
    await page.getByRole('button', { name: 'Start the experiment' }).click();
    await page.waitForURL(/#\/experiments\/[^/]+$/);
    cnnId = decodeURIComponent(page.url().split('/').pop()!);
    await page.locator('[data-testid=live]').waitFor();
    await page.locator('[data-testid=live] ~ [data-testid=curves]').waitFor({ timeout: 120000 });
    await screenshot(page, 'experiment-live');
    await page.locator('[data-testid=experiment-status]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 150000 });
    await page.locator('[data-testid=result]').waitFor();
    const seen = (await page.evaluate('window.__points')) as number[];
    // The live chart grew point by point: several distinct, increasing counts.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    // The result: accuracy, a confusion matrix over the 4 classes and 40 test spectra, the stored curves.
    expect(await page.locator('[data-testid=accuracy]').innerText()).toMatch(/^\d+\.\d ± \d+\.\d%$/);
    const cells = await page.locator('[data-testid=confusion] tbody td').allInnerTexts();
    expect(cells).toHaveLength(16);
    expect(cells.reduce((s, c) => s + Number(c), 0)).toBe(40);
    expect(Number(await page.locator('[data-testid=curves]').getAttribute('data-points'))).toBe(2 * 20);
    await screenshot(page, 'experiment-result');
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('compares two experiments: bars, ranks and the paired test', async () => {
    const created = ok(
      await server.gql<{ createExperiment: { id: string } }>('mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }', {
        input: { name: 'knn', datasetId, model: { plugin: 'knn', params: {} }, protocol: { folds: 2 } },
      }),
    ).createExperiment.id;
    await waitForStatus(server, created, ['SUCCEEDED']);
    const { page, errors } = await openPage(browser, origin, server.token);
    await page.goto(`${origin}/#/experiments`);
    await page.getByRole('checkbox', { name: 'compare small cnn' }).check();
    await page.getByRole('checkbox', { name: 'compare knn' }).check();
    await page.getByRole('button', { name: 'Compare 2 selected' }).click();
    await page.locator('[data-testid=comparison]').waitFor();
    expect(await page.locator('[data-testid=comparison] canvas').count()).toBeGreaterThanOrEqual(2);
    const pairs = await page.locator('[data-testid=pairs] tbody tr').allInnerTexts();
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    expect(pairs.join('\n')).toContain('accuracy');
    await screenshot(page, 'compare');
    expect(errors).toEqual([]);
  });

  it('predicts the spectra of an uploaded file with the trained model and downloads the CSV', async () => {
    const { page, errors } = await openPage(browser, origin, server.token);
    await page.goto(`${origin}/#/predict`);
    await page.locator('select[name=model]').waitFor();
    const file = csv.split('\n').slice(0, 6).join('\n');
    await page.setInputFiles('[data-testid=predict-drop] input[type=file]', { name: 'new-tablets.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    await page.getByText('new-tablets.csv: 5 spectra × 404 points').waitFor();
    await page.getByRole('button', { name: 'Predict' }).click();
    await page.locator('[data-testid=predictions] tbody tr').nth(4).waitFor();
    await screenshot(page, 'predict');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('predictions-new-tablets.csv');
    const saved = path.join(tempDir('web-download'), 'p.csv');
    await download.saveAs(saved);
    const lines = fs.readFileSync(saved, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^label,predicted,p\(.+\),p\(.+\),p\(.+\),p\(.+\)$/);
    expect(lines).toHaveLength(6);
    for (const line of lines.slice(1)) {
      const probabilities = line.split(',').slice(2).map(Number);
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(errors).toEqual([]);
  });
});
