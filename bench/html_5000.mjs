// Benchmark (not a test): load + filter time of a 5,000-case report.html in headless Chromium.
// Usage: node bench/html_5000.mjs BUILD_DIR [RUNS]   (BUILD_DIR holds tests/browser/make_sample_report
//        or browser/make_sample_report; RUNS page loads, default 5). Needs `npm ci` in tests/browser.
// Target (issue 6): load + filter < 2 s. Each run opens the page in a new tab of one browser.
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
const runs = Math.max(1, Number(process.argv[3]) || 5);
for (let run = 0; run < runs; run++) {
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
const sorted = (k) => results.map((r) => r[k]).sort((a, b) => a - b);
const med = (k) => sorted(k)[Math.floor(results.length / 2)];
const worst = (k) => sorted(k)[results.length - 1];
const ms = (x) => `${x.toFixed(0)} ms`;
let chromium_version = '?';
try { chromium_version = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch (e) { /* keep '?' */ }
console.log(`machine: ${os.cpus().length} x ${os.cpus()[0].model}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${chromium_version}`);
console.log(`cases ${report.cases.length}, report.html ${size_mb.toFixed(1)} MB, ${runs} runs`);
results.forEach((r, i) => console.log(`  run ${i + 1}: load ${ms(r.t_load)} (script ${ms(r.t_script)}), filter ${ms(r.t_filter)}, open ${ms(r.t_open)}`));
console.log(`load (navigate to rendered first page): median ${ms(med('t_load'))}, worst ${ms(worst('t_load'))}`);
console.log(`  of which the script (JSON.parse + first render): median ${ms(med('t_script'))}`);
console.log(`filter (verdict, then text search): median ${ms(med('t_filter'))}, worst ${ms(worst('t_filter'))}`);
console.log(`open one case: median ${ms(med('t_open'))}`);
const totals = results.map((r) => r.t_load + r.t_filter).sort((a, b) => a - b);
const total_med = totals[Math.floor(totals.length / 2)], total_worst = totals[totals.length - 1];
console.log(`load+filter: median ${ms(total_med)}, worst ${ms(total_worst)} (target < 2000 ms) ${total_worst < 2000 ? 'OK' : 'SLOW'}`);
