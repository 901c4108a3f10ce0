// Opens a real report.html in headless Debian Chromium (a 1400x1000 window) and checks it behaves.
// Usage: node report.test.mjs DIR [--expect audit,compliance,baseline]
//   DIR holds report.html and report.json (make_sample_report, or a real run). The checks of the
//   hostile sample case run when the report has it; the audit matrix, compliance matrix and
//   --baseline view are checked whenever the report has what they show, and --expect makes their
//   absence a failure. The compliance matrix is compared with ci/compliance-matrix's.
// Exit 0 when every check passes, 1 otherwise, 77 (skipped) when playwright-core or chromium is
// missing (outside CI only).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const expect_at = args.indexOf('--expect');
const expected = new Set(expect_at >= 0 ? (args.splice(expect_at, 2)[1] || '').split(',') : []);
const dir = path.resolve(args[0] || path.join(here, 'out', 'sample'));
const matrix_script = path.join(here, '..', '..', 'ci', 'compliance-matrix');
const chromium_path = process.env.MAILSPEC_CHROMIUM || '/usr/bin/chromium';

// Under CI (CI set) a missing tool is a failure, not a skip: ci/setup installs both.
function missing(msg) {
  console.log(`${process.env.CI ? 'FAIL' : 'SKIP'}: ${msg}`);
  process.exit(process.env.CI ? 1 : 77);
}
let chromium, checks;
try {
  checks = await import('./matrix_checks.mjs');
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  missing('playwright-core is not installed (run npm ci in tests/browser)');
}
if (!fs.existsSync(chromium_path)) missing(`${chromium_path} not found (apt-get install -y chromium)`);

const html_file = path.join(dir, 'report.html');
const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
const page_url = pathToFileURL(html_file).href;

let passed = 0, failed = 0;
function check(ok, what, detail) {
  if (ok) { passed++; console.log(`ok   ${what}`); }
  else { failed++; console.log(`FAIL ${what}${detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`); }
}

const user_data = fs.mkdtempSync(path.join(os.tmpdir(), 'mailspec-chromium-'));
// A fresh profile (--user-data-dir) per run: Playwright takes it as launchPersistentContext's argument.
const browser = await chromium.launchPersistentContext(user_data, {
  executablePath: chromium_path,
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const requests = [], errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('dialog', (d) => { errors.push('dialog opened: ' + d.message()); d.dismiss(); });

  await page.goto(page_url);
  await page.waitForSelector('html[data-ready=true]', { timeout: 10000 });

  // Summary counts equal report.json's summary.
  for (const v of ['pass', 'fail', 'warn', 'info', 'skip', 'error']) {
    const shown = await page.textContent(`#summary [data-verdict=${v}] .count`);
    check(Number(shown) === report.summary.cases[v], `summary count for ${v}`, { shown, expected: report.summary.cases[v] });
  }
  const rows = await page.locator('.case').count();
  check(rows === Math.min(report.cases.length, 200), 'case rows rendered (first page)', rows);

  // Matrices and the baseline view: whenever the report has what they show.
  const has = {
    audit: report.cases.some((c) => c.kind === 'audit'),
    compliance: JSON.parse(execFileSync('/usr/bin/python3', [matrix_script, '--format', 'json', path.join(dir, 'report.json')],
                                        { encoding: 'utf8' })).rows.length > 1,
    baseline: !!report.baseline,
  };
  for (const k of expected) check(has[k], `the report has what the ${k} view shows`);
  check(await page.locator('#matrix').isVisible() === has.audit, 'audit matrix shown exactly when there are audit cases');
  check(await page.locator('#compliance').isVisible() === has.compliance, 'compliance matrix shown exactly for several servers');
  check(await page.locator('#baseline').isVisible() === has.baseline, 'baseline view shown exactly for a --baseline run');
  if (has.audit) await checks.checkAudit(page, report, check);
  if (has.compliance) await checks.checkCompliance(page, report, path.join(dir, 'report.json'), matrix_script, check);
  if (has.baseline) await checks.checkBaseline(page, report, check);
  if (has.audit || has.compliance) {
    await page.locator(has.compliance ? '#compliance' : '#matrix').scrollIntoViewIfNeeded();
    fs.mkdirSync(path.join(here, 'out'), { recursive: true });
    await page.screenshot({ path: path.join(here, 'out', `matrix-${path.basename(dir)}.png`), fullPage: false });
  }
  const hostile = report.cases.find((c) => c.id === 'smtp/hostile-banner');
  if (hostile) await sampleChecks(page);
  check(errors.length === 0, 'no script errors or dialogs', errors);
  check(requests.includes(page_url), 'request recorder saw the page itself', requests.length);
  const others = requests.filter((u) => u !== page_url);
  check(others.length === 0, 'no network request but the file itself', others);
} catch (e) {
  check(false, 'browser run', String(e && e.stack || e));
} finally {
  await browser.close();
  fs.rmSync(user_data, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// The sample's own cases (make_sample_report without --wide): filters, the hostile case, TLS.
async function sampleChecks(page) {
  // Verdict filter: only matching rows stay.
  await page.selectOption('select#f-verdict', 'fail');
  const verdicts = await page.$$eval('.case', (els) => els.map((e) => e.getAttribute('data-verdict')));
  const want_fail = report.cases.filter((c) => c.verdict === 'fail').length;
  check(verdicts.length === Math.min(want_fail, 200) && verdicts.every((v) => v === 'fail'),
        'verdict filter shows only fail rows', { rows: verdicts.length, want_fail });

  // Protocol filter combines with it.
  await page.selectOption('#f-protocol', 'smtp');
  const both = await page.$$eval('.case', (els) => els.map((e) => [e.dataset.verdict, e.dataset.protocol]));
  const want_both = report.cases.filter((c) => c.verdict === 'fail' && c.protocol === 'smtp').length;
  check(both.length === want_both && both.every(([v, p]) => v === 'fail' && p === 'smtp'), 'verdict + protocol filter', both);

  // Text search finds the hostile case; its markup stays text.
  await page.click('#f-reset');
  await page.fill('input#f-text', 'hostile');
  await page.waitForFunction(() => document.querySelectorAll('.case').length === 1, null, { timeout: 3000 });
  check(true, 'text search narrows to one case');

  // Open the failing hostile case: transcript and findings are shown.
  await page.click('.case .case-head');
  await page.waitForSelector('.case .transcript', { state: 'visible', timeout: 3000 });
  const lines = await page.locator('.case .transcript .tl').count();
  const hostile = report.cases.find((c) => c.id === 'smtp/hostile-banner');
  check(lines === hostile.transcript.length, 'transcript lines shown', { lines, want: hostile.transcript.length });
  const findings = await page.locator('.case .findings .finding').count();
  check(findings === hostile.findings.length, 'findings shown', findings);
  const tx = await page.textContent('.case .transcript');
  check(tx.includes('</script><img src=x onerror=alert(1)>'), 'server markup shown as text');
  check(tx.includes('ready\\r\\n'), 'CR/LF visible in the transcript');
  const actual = await page.textContent('.case .finding.v-fail .actual');
  check(actual.includes('\\x00 and </script>'), 'NUL in a finding shown as an escape', actual);
  check(await page.locator('.case .transcript .ch-tls').count() > 0 && await page.locator('.case .transcript .ch-plain').count() > 0,
        'plain and TLS lines styled apart');
  check(await page.locator('.case-body img').count() === 0, 'no element injected from server text');
  const rule_href = await page.getAttribute('.case .finding .rule-link', 'href');
  check(rule_href && (await page.locator(rule_href.replace(/\//g, '\\/').replace(/\./g, '\\.')).count()) === 1,
        'finding links to its rule entry', rule_href);
  check(await page.locator('.case .finding .expected').count() > 0 && await page.locator('.case .finding .requirement').count() > 0,
        'finding shows requirement and expected/actual');
  check(await page.locator('.case .tls').count() > 0, 'TLS facts shown');
  // The page stores certificates once and a finding's rule text once: both come back on open.
  const tls_text = await page.textContent('.case .tls');
  check(tls_text.includes(hostile.tls[0].leaf.subject) && tls_text.includes(hostile.tls[0].leaf.sha256_fingerprint) &&
        tls_text.includes(hostile.tls[0].chain[1].subject), 'leaf and chain certificates shown', tls_text.slice(0, 200));
  const requirement = await page.textContent('.case .finding.v-fail .requirement');
  check(requirement === hostile.findings.find((f) => f.verdict === 'fail').requirement, 'finding requirement as in report.json', requirement);

  // Severity ("at least") and target filters.
  await page.click('#f-reset');
  await page.selectOption('#f-severity', 'critical');
  const crit = await page.$$eval('.case', (els) => els.map((e) => e.id));
  const want_crit = report.cases.filter((c) => c.findings.some((f) => f.verdict !== 'pass' && f.severity === 'critical')).length;
  check(crit.length === want_crit && want_crit > 0, 'severity filter (critical)', { rows: crit.length, want_crit });
  await page.click('#f-reset');
  await page.selectOption('#f-target', 'localhost:993');
  const t993 = await page.$$eval('.case', (els) => els.map((e) => e.dataset.target));
  const want_993 = report.cases.filter((c) => c.target.port === 993).length;
  check(t993.length === want_993 && t993.every((t) => t === 'localhost:993'), 'target filter', { rows: t993.length, want_993 });

  // Screenshot of the failing case opened, for people.
  await page.click('#f-reset');
  await page.selectOption('select#f-verdict', 'fail');
  await page.click('.case .case-head');
  await page.locator('.case .transcript').scrollIntoViewIfNeeded();
  fs.mkdirSync(path.join(here, 'out'), { recursive: true });
  await page.screenshot({ path: path.join(here, 'out', 'report.png'), fullPage: false });
  await page.click('#f-reset');
}
