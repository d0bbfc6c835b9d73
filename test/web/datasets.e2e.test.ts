import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { PROJECT_ROOT } from '../../src/paths';
import type { Browser, Page } from 'playwright-core';
import { exampleSliceCsv } from '../helpers/datasets';
import { launchBrowser, openPage, screenshot } from '../helpers/browser';
import { startTestServer, tempDir, type TestServer } from '../helpers/server';

describe('dashboard: datasets in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ databaseUrl: `file:${path.join(tempDir('web-datasets'), 'db.sqlite')}` }), launchBrowser()]);
    origin = new URL(server.url).origin;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Drops a file on an element the way a browser does (a drop event carrying a DataTransfer). */
  async function dropFile(page: Page, selector: string, name: string, content: string): Promise<void> {
    // Page code as text: the tests are compiled without the DOM's types.
    const transfer = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); dt.items.add(new File([${JSON.stringify(content)}], ${JSON.stringify(name)}, { type: 'text/csv' })); return dt; })()`,
    );
    await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer });
  }

  it('imports a CSV dropped on the page and plots its class spectra on the real axis', async () => {
    const { page, external, errors } = await openPage(browser, origin, server.token);
    await page.goto(`${origin}/`);
    await page.getByText('No datasets yet').waitFor();
    const csv = exampleSliceCsv('tablet', 8);
    await dropFile(page, '[data-testid=import-drop]', 'tablet-slice.csv', csv);
    await page.getByText('tablet-slice.csv (').waitFor();
    expect(await page.inputValue('input[name=name]')).toBe('tablet-slice');
    await page.getByRole('button', { name: 'Import' }).click();

    await page.waitForURL(/#\/datasets\/[^/]+$/);
    await page.getByRole('heading', { name: 'tablet-slice' }).waitFor();
    const spectra = page.locator('[data-testid=class-spectra]');
    await spectra.locator('canvas').waitFor();
    // The legend names every class, and the x axis is the file's wavelength axis.
    const legend = await spectra.locator('.u-legend').innerText();
    const classes = [...new Set(csv.split('\n').slice(1).map((line) => line.split(',')[0]))];
    expect(classes).toHaveLength(4);
    for (const name of classes) expect(legend).toContain(`${name} (n=8)`);
    // Tablet's axis is in wavenumbers (cm-1).
    expect(legend).toContain('Wavenumber (cm⁻¹)');
    const firstAxisValue = Number(csv.split('\n')[0].split(',')[1]);
    expect(await page.locator('table.table.compact thead').innerText()).toContain(String(firstAxisValue));
    await page.locator('[data-testid=pca] canvas').waitFor();
    await screenshot(page, 'dataset');

    await page.goto(`${origin}/#/`);
    await page.locator('[data-testid=datasets]').getByText('tablet-slice').waitFor();
    await screenshot(page, 'datasets');
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("shows the server's import error with its line and column", async () => {
    const { page, errors } = await openPage(browser, origin, server.token);
    await page.goto(`${origin}/`);
    const bad = ['label,900,902,904', 'A,0.1,0.2,0.3', 'B,0.1,oops,0.3', 'A,0.1,0.2,0.3'].join('\n');
    await page.setInputFiles('[data-testid=import-drop] input[type=file]', { name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Import' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('line 3, column 3: "oops" is not a number');
    expect(await page.locator('[data-testid=import-error-where]').innerText()).toBe('At line 3, column 3 of broken.csv.');
    await screenshot(page, 'import-error');
    // Nothing was written.
    const list = await server.gql<{ datasetsConnection: { totalCount: number } }>('{ datasetsConnection { totalCount } }');
    expect(list.data?.datasetsConnection.totalCount).toBe(1);
    expect(errors).toEqual([]);
  });

  it('imports a zip of instrument files (JCAMP-DX with a labels CSV) as an upload and shows the value unit and the import notes', async () => {
    const { page, errors } = await openPage(browser, origin, server.token);
    await page.goto(`${origin}/`);
    const dir = path.join(PROJECT_ROOT, 'test/fixtures/formats/opus');
    const zip = zipSync(Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))])));
    await page.setInputFiles('[data-testid=import-drop] input[type=file]', { name: 'opus-run.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
    expect(await page.inputValue('input[name=name]')).toBe('opus-run');
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(/#\/datasets\/[^/]+$/);
    await page.getByRole('heading', { name: 'opus-run' }).waitFor();
    expect(await page.locator('section > p.muted').first().innerText()).toContain('absorbance');
    expect(await page.locator('[data-testid=import-notes]').innerText()).toMatch(/resampled .* 4036 to 8996 cm-1/);
    expect(errors).toEqual([]);
  });

  it('serves GraphiQL offline at /graphiql/ and sends browsers opening /graphql there', async () => {
    const { page, external, errors } = await openPage(browser, origin, server.token);
    await page.goto(`${origin}/graphql`);
    expect(page.url()).toBe(`${origin}/graphiql/`);
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    await screenshot(page, 'graphiql');
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    // Clients of the API are not redirected.
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ system { version } }' }) });
    expect(res.status).toBe(200);
  });

  it('starts a study from its form, follows its progress and renders its report', async () => {
    const { page, errors } = await openPage(browser, origin, server.token);
    await page.goto(`${origin}/#/studies`);
    await page.getByText('No studies yet.').waitFor();
    await page.fill('input[name=parts]', 'table4');
    await page.fill('input[name=folds]', '2');
    await page.fill('input[name=pretextEpochs]', '1');
    await page.fill('input[name=finetuneEpochs]', '1');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.waitForURL(/#\/studies\/[^/]+$/);
    const progress = await page.locator('[data-testid=study-progress]').innerText();
    expect(progress).toMatch(/^\d+ of \d+ experiments finished/);
    // The server's Markdown report, rendered: headings and tables, not Markdown source.
    const report = page.locator('[data-testid=report]');
    await report.locator('h1, h2, h3').first().waitFor();
    expect(await report.innerText()).not.toMatch(/^#/m);
    await screenshot(page, 'study');
    expect(errors).toEqual([]);
  });
});
