// Benchmark (not a test): load + filter time of a 5,000-case report.html in headless Chromium.
// Usage: node bench/html_5000.mjs BUILD_DIR   (BUILD_DIR holds browser/make_sample_report or
//        tests/browser/make_sample_report). Needs `npm install` in tests/browser. Target: < 2 s.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'browser', 'package.json'));
const { chromium } = require('playwright-core');

const build = path.resolve(process.argv[2] || path.join(here, '..', 'build'));
const gen = ['tests/browser/make_sample_report', 'browser/make_sample_report']
  .map((p) => path.join(build, p)).find((p) => fs.existsSync(p));
if (!gen) { console.error(`make_sample_report not found under ${build}`); process.exit(2); }
const out = path.join(here, 'out', 'html_5000');
execFileSync(gen, [out, '833'], { stdio: 'ignore' });  // 833 x 6 + 4 = 5,002 cases
const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
const size_mb = fs.statSync(path.join(out, 'report.html')).size / 1e6;

const user_data = fs.mkdtempSync(path.join(os.tmpdir(), 'mailspec-bench-'));
const ctx = await chromium.launchPersistentContext(user_data, {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1360, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const results = [];
for (let run = 0; run < 3; run++) {
  const page = await ctx.newPage();
  const t0 = performance.now();
  await page.goto(pathToFileURL(path.join(out, 'report.html')).href);
  await page.waitForSelector('html[data-ready=true]');
  const t_load = performance.now() - t0;
  const t_script = Number(await page.getAttribute('html', 'data-render-ms'));
  const t1 = performance.now();
  await page.selectOption('#f-verdict', 'fail');
  await page.waitForFunction(() => [...document.querySelectorAll('.case')].every((e) => e.dataset.verdict === 'fail'));
  await page.fill('#f-text', 'sample');
  await page.waitForSelector('#case-list[data-query=sample] .case');
  const t_filter = performance.now() - t1;
  const t2 = performance.now();
  await page.click('.case .case-head');
  await page.waitForSelector('.case .transcript');
  const t_open = performance.now() - t2;
  results.push({ t_load, t_script, t_filter, t_open });
  await page.close();
}
await ctx.close();
fs.rmSync(user_data, { recursive: true, force: true });
const best = (k) => Math.min(...results.map((r) => r[k]));
const med = (k) => results.map((r) => r[k]).sort((a, b) => a - b)[1];
console.log(`cases ${report.cases.length}, report.html ${size_mb.toFixed(1)} MB`);
console.log(`load (navigate to rendered first page): median ${med('t_load').toFixed(0)} ms, best ${best('t_load').toFixed(0)} ms`);
console.log(`  of which the script (JSON.parse + first render): median ${med('t_script').toFixed(0)} ms`);
console.log(`filter (verdict + text search): median ${med('t_filter').toFixed(0)} ms`);
console.log(`open one case: median ${med('t_open').toFixed(0)} ms`);
const total = med('t_load') + med('t_filter');
console.log(`load+filter: ${total.toFixed(0)} ms (target < 2000 ms) ${total < 2000 ? 'OK' : 'SLOW'}`);
