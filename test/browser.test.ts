/// <reference lib="dom" />
/**
 * Executes a notebook that uses every figure type and media helper, exports it
 * to HTML (notebook-html.ts, no nbconvert), and opens that page in headless Chromium (no network)
 * to check that each chart rendered and each image decoded.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { chromium } from 'playwright-core';

import { runNotebooks } from '../src/lib/jupyter';
import { ROOT } from './helpers/cli';

const CHROMIUM = process.env.ACTLAB_CHROMIUM ?? '/usr/bin/chromium';
const OUT = path.join(ROOT, 'out', 'test-browser');

describe('figures in a real browser', () => {
  it('every chart renders and every image decodes in the notebook page', async (t) => {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.CI === 'true') assert.fail(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
      return t.skip(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set ACTLAB_CHROMIUM)`);
    }
    fs.rmSync(OUT, { recursive: true, force: true });
    const [result] = await runNotebooks({
      notebooksDir: path.join(ROOT, 'test', 'fixtures', 'notebooks-plots'),
      outDir: OUT,
    });
    assert.ok(result);
    const size = fs.statSync(result.executed).size;
    assert.ok(
      size < 6 * 2 ** 20,
      `executed notebook is ${(size / 2 ** 20).toFixed(1)} MB; one inlined bundle should keep it under 6 MB`,
    );
    const bundles = fs.readFileSync(result.executed, 'utf8').split('if (!window.Plotly)').length - 1;
    assert.equal(bundles, 1, 'the plotly bundle is inlined once per notebook');

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      // No network: every request that is not the file itself fails.
      await page.route(/^(?!file:)/, (route) => route.abort());
      await page.goto(`file://${result.html}`);
      await page.waitForFunction(() => document.querySelectorAll('.actlab-plot svg.main-svg').length >= 8, null, {
        timeout: 30_000,
      });
      const seen = await page.evaluate(() => {
        const plots = Array.from(document.querySelectorAll('.actlab-plot'));
        return {
          plots: plots.length,
          svgs: plots.map((d) => d.querySelectorAll('svg.main-svg').length),
          titles: plots.map((d) => d.querySelector('.gtitle')?.textContent ?? ''),
          traces: plots.map((d) => d.querySelectorAll('g.trace').length),
          heatmapCells: plots.map((d) => d.querySelectorAll('.hm text').length),
          images: Array.from(document.images).map((img) => img.complete && img.naturalWidth > 0),
        };
      });
      await page.screenshot({ path: path.join(OUT, 'figures.png'), fullPage: true });
      assert.deepEqual(errors, []);
      assert.equal(seen.plots, 8);
      assert.ok(
        seen.svgs.every((n) => n > 0),
        `every chart drew an svg: ${seen.svgs}`,
      );
      assert.deepEqual(seen.titles, [
        'Clips per class',
        'Durations',
        'Duration per class',
        'Training curves',
        'Confusion matrix (fraction of each true class)',
        'Learning-rate range test',
        'Model comparison',
        'Live curves',
      ]);
      // bar 1, histogram 2 groups, box 2, curves 4 series, heatmap (cells below), lr 2, grouped 2, live 2
      assert.deepEqual(seen.traces, [1, 2, 2, 4, 0, 2, 2, 2]);
      assert.equal(seen.heatmapCells[4], 9, 'one labelled cell per entry of the 3×3 matrix');
      assert.equal(seen.images.length, 5);
      assert.ok(seen.images.every(Boolean), `images decoded: ${seen.images}`);
    } finally {
      await browser.close();
    }
  });
});
