// Checks of report.html's matrices and --baseline view, used by report.test.mjs.
// Each function takes the page, the parsed report.json and check(ok, what, detail).
import { execFileSync } from 'node:child_process';

const ROW_MAX_PX = 44;  // one line of text and the cell padding; the bug gave ~250 px per port row

// Layout of every table inside SECTION: the rows stay one line high, the row labels do not wrap,
// no cell is narrower than its content, the table scrolls inside its own box (never the page),
// and the header row and the row labels stay in place while the box scrolls.
export async function checkLayout(page, section, what, check) {
  const m = await page.evaluate((sel) => {
    const box = document.querySelector(sel + ' .mx-scroll'), table = box && box.querySelector('table');
    if (!table) return null;
    const rows = [...table.querySelectorAll('tbody tr')].map((tr) => tr.getBoundingClientRect().height);
    const labels = [...table.querySelectorAll('tbody th.row-head')].map((th) => {
      // A wrapped inline element has more than one client rect; its parts then sit on two lines.
      const parts = [...th.children], tops = parts.map((p) => p.getBoundingClientRect().top);
      return { text: th.textContent, rects: Math.max(...parts.map((p) => p.getClientRects().length)),
               lines: Math.max(...tops) - Math.min(...tops) < 8 ? 1 : 2, overflow: th.scrollWidth - th.clientWidth };
    });
    const narrow = [];
    table.querySelectorAll('th, td').forEach((c) => {
      const range = document.createRange();
      range.selectNodeContents(c);
      const content = range.getBoundingClientRect().width, cell = c.getBoundingClientRect().width;
      if (c.scrollWidth > c.clientWidth + 1 || content > cell + 0.5) narrow.push({ text: c.textContent.slice(0, 40), content, cell });
    });
    const cs = getComputedStyle(box);
    return {
      rows, labels, narrow,
      boxScrolls: cs.overflowX === 'auto' || cs.overflowX === 'scroll',
      boxWidth: box.clientWidth, tableWidth: table.getBoundingClientRect().width,
      pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
      theadSticky: getComputedStyle(table.querySelector('thead')).position,
      labelSticky: table.querySelector('tbody th.row-head') ? getComputedStyle(table.querySelector('tbody th.row-head')).position : '',
    };
  }, section);
  check(m !== null, `${what}: a table inside a scrolling box`);
  if (!m) return;
  check(m.rows.length > 0 && m.rows.every((h) => h <= ROW_MAX_PX), `${what}: every row at most ${ROW_MAX_PX} px high`, m.rows);
  check(m.labels.every((l) => l.rects === 1 && l.lines === 1 && l.overflow <= 0), `${what}: row labels on one line, not wrapped`,
        m.labels.filter((l) => l.rects !== 1 || l.lines !== 1 || l.overflow > 0));
  check(m.narrow.length === 0, `${what}: no cell narrower than its content`, m.narrow.slice(0, 5));
  check(m.boxScrolls, `${what}: the box scrolls horizontally`);
  check(m.pageOverflow <= 0, `${what}: the page itself does not scroll sideways`, m.pageOverflow);
  check(m.theadSticky === 'sticky' && m.labelSticky === 'sticky', `${what}: sticky header row and row labels`,
        [m.theadSticky, m.labelSticky]);
  // Sticky for real: scrolled sideways, the row label keeps its place at the box's left edge.
  if (m.tableWidth > m.boxWidth + 1) {
    const moved = await page.evaluate((sel) => {
      const box = document.querySelector(sel + ' .mx-scroll'), th = box.querySelector('tbody th.row-head');
      const cell = box.querySelector('tbody td:last-child');
      const before = [th.getBoundingClientRect().left, cell.getBoundingClientRect().left];
      box.scrollLeft = box.scrollWidth;
      const after = [th.getBoundingClientRect().left, cell.getBoundingClientRect().left];
      box.scrollLeft = 0;
      return { label: after[0] - before[0], cell: after[1] - before[1] };
    }, section);
    check(Math.abs(moved.label) < 1 && moved.cell < -1, `${what}: scrolled sideways, the row labels stay put`, moved);
  }
}

// The cases a focus click should leave: those of the targets with a finding matching the rules.
function focusCount(report, targets, rules) {
  const match = (id) => rules.some((p) => (p.endsWith('/') ? (id + '/').startsWith(p) : id === p));
  return report.cases.filter((c) => targets.includes(`${c.target.host}:${c.target.port}`) &&
                                    (!rules.length || c.findings.some((f) => match(f.rule)))).length;
}

async function shownCases(page) {
  const more = page.locator('#more button', { hasText: 'Show all' });
  if (await more.count()) await more.click();
  return page.$$eval('#case-list .case', (els) => els.map((e) => e.dataset.target));
}

export async function checkAudit(page, report, check) {
  const targets = new Set(report.cases.filter((c) => c.kind === 'audit').map((c) => `${c.target.host}:${c.target.port}`));
  check(await page.locator('#matrix').isVisible(), 'audit matrix shown');
  const rows = await page.$$eval('#matrix tbody th.row-head', (els) => els.map((e) => e.dataset.row));
  check(rows.length === targets.size && rows.every((r) => targets.has(r)), 'audit matrix: one row per audited port', rows);
  await checkLayout(page, '#matrix', 'audit matrix (by family)', check);
  // A cell links to its cases: the port's cases with a finding of that family.
  const cell = page.locator('#matrix td.cell a').first();
  const fam = await cell.evaluate((a) => a.closest('td').dataset.family);
  const row = await cell.evaluate((a) => a.closest('tr').querySelector('th').dataset.row);
  await cell.click();
  const shown = await shownCases(page);
  const rules = await page.getAttribute('#f-focus', 'data-rules');
  check(await page.locator('#f-focus').isVisible() && shown.length > 0 && shown.every((t) => t === row) &&
        shown.length === focusCount(report, [row], rules.split(' ')),
        `audit matrix: a cell (${row} · ${fam}) shows that port's cases of the family`, { shown: shown.length, rules });
  await page.click('#f-focus-clear');
  check(await page.locator('#f-focus').isHidden(), 'the matrix filter is removable');
  // Every requirement as its own column: the same layout rules hold.
  await page.click('#matrix-expand');
  const cols = await page.locator('#matrix thead th.col').count();
  const rule_ids = new Set(report.cases.filter((c) => c.kind === 'audit').flatMap((c) => c.findings.map((f) => f.rule)));
  check(cols === rule_ids.size, 'audit matrix, each requirement: one column per rule', { cols, rules: rule_ids.size });
  await checkLayout(page, '#matrix', 'audit matrix (each requirement)', check);
  await page.click('#matrix-expand');
}

// The compliance matrix on the page equals ci/compliance-matrix's for the same report.json.
export async function checkCompliance(page, report, report_json, script, check) {
  check(await page.locator('#compliance').isVisible(), 'compliance matrix shown');
  for (const by of ['server', 'port']) {
    const want = JSON.parse(execFileSync('/usr/bin/python3', [script, '--format', 'json', '--by', by, report_json], { encoding: 'utf8' }));
    const got = await page.evaluate(() => {
      const areas = [...document.querySelectorAll('#compliance thead th.col')].map((th) => th.dataset.area);
      const rows = [...document.querySelectorAll('#compliance tbody tr')].map((tr) => ({
        label: tr.querySelector('th .mx-link').textContent,
        where: tr.querySelector('th .where').textContent,
        cases: tr.querySelector('td.cases-col').textContent,
        cells: Object.fromEntries([...tr.querySelectorAll('td[data-area]')].map((td) => [td.dataset.area, td.textContent])),
      }));
      return { areas, rows };
    });
    check(JSON.stringify(got) === JSON.stringify(want), `compliance matrix (one row per ${by}) equals ci/compliance-matrix's`,
          { page: got.rows.slice(0, 2), script: want.rows.slice(0, 2), areas: [got.areas.length, want.areas.length] });
    await checkLayout(page, '#compliance', `compliance matrix (per ${by})`, check);
    if (by === 'server') {
      // A count links to its cases: that server's cases with a finding in that area.
      // The first cell with counts of an area that is itself a rule id (e.g. audit/banner) if
      // any, else the last one.
      const single = page.locator('#compliance tbody td[data-area="audit/banner"] a, #compliance tbody td[data-area="audit/reachable"] a');
      const td = (await single.count()) ? single.first() : page.locator('#compliance tbody td[data-area] a').last();
      const area = await td.evaluate((a) => a.closest('td').dataset.area);
      await td.click();
      const targets = (await page.getAttribute('#f-focus', 'data-targets')).split(' ');
      const shown = await shownCases(page);
      check(shown.length > 0 && shown.length === focusCount(report, targets, [area + '/']) && shown.every((t) => targets.includes(t)),
            `compliance matrix: a count links to its cases (${area})`, { shown: shown.length, targets });
      await page.click('#f-focus-clear');
      await page.click('#compliance-by-port');
    }
  }
  await page.click('#compliance-by-port');
  return true;
}

export async function checkBaseline(page, report, check) {
  const b = report.baseline;
  check(await page.locator('#baseline').isVisible(), 'baseline section shown');
  for (const [kind, n] of [['new', b.new], ['fixed', b.fixed.length], ['known', b.known]]) {
    const shown = Number(await page.textContent(`#baseline [data-kind=${kind}] .count`));
    check(shown === n, `baseline: ${kind} count`, { shown, n });
  }
  check(await page.locator('#baseline-new tbody tr').count() === b.new, 'baseline: one row per new finding');
  check(await page.locator('#baseline-fixed tbody tr').count() === b.fixed.length, 'baseline: one row per fixed finding');
  const fixed_text = await page.textContent('#baseline-fixed');
  check(b.fixed.every((f) => fixed_text.includes(f.rule) && (!f.was || fixed_text.includes('was ' + f.was))),
        'baseline: fixed rows name the rule and what it was');
  // The "new" chip filters the cases to those with a new finding, each marked.
  await page.click('#baseline [data-kind=new]');
  const rows = await page.$$eval('#case-list .case', (els) => els.map((e) => [e.dataset.baseline, e.querySelector('.bl-tag') !== null]));
  const want = report.cases.filter((c) => c.findings.some((f) => f.baseline && f.baseline.state === 'new')).length;
  check(rows.length === want && rows.every(([s, tag]) => s === 'new' && tag), 'baseline: the new filter shows the cases with new findings', { rows, want });
  if (want) {
    await page.click('.case .case-head');
    check(await page.locator('.case .finding .bl-tag.bl-new').count() > 0, 'baseline: a new finding is marked in the case');
  }
  await page.click('#f-reset');
  await page.selectOption('#f-baseline', 'known');
  const known = await page.$$eval('#case-list .case', (els) => els.length);
  const want_known = report.cases.filter((c) => c.findings.some((f) => f.baseline && f.baseline.state === 'known')).length;
  check(known === want_known, 'baseline: the known filter', { known, want_known });
  await page.click('#f-reset');
}
