// mailspec report viewer, part 4: renders the embedded report.json (format mailspec-report/1)
// with the building blocks of details.js, matrix.js and baseline.js.
// Vanilla JS, no network. Every piece of report text goes through textContent, never innerHTML.
// Scales to thousands of cases: rows are rendered a page at a time, a case's details are built
// only when it is opened, and filtering is one linear pass.
(function () {
  'use strict';
  var t0 = performance.now();
  var R = JSON.parse(document.getElementById('report-data').textContent);
  var VERDICTS = ['fail', 'error', 'warn', 'pass', 'info', 'skip'];
  var SEVERITIES = ['critical', 'high', 'medium', 'low'];
  var SEV_RANK = { none: 0, low: 1, medium: 2, high: 3, critical: 4 };
  var PAGE = 200;
  var cases = R.cases || [];
  // focus: set by a click in a matrix or the baseline lists; null or {targets, rules, ids, indices,
  // label}, each member optional (null: any), all given must hold.
  var state = { matches: [], shown: 0, filter_ms: 0, focus: null };

  var V = window.mailspecView, el = V.el, badge = V.badge, ruleAnchor = V.ruleAnchor, specLink = V.specLink;
  var M = window.mailspecMatrix, B = window.mailspecBaseline;
  var RULES = {}, CERTS = R.certificates || [];
  (R.rules || []).forEach(function (r) { RULES[r.id] = r; });

  // The page's data is report.json with certificates stored once and a finding's spec,
  // requirement and level left out when equal to its rule's (see harness/report/html.cpp):
  // put them back, once per case, when the case is first opened.
  var restored = [];
  function fullCase(i) {
    var c = cases[i];
    if (restored[i]) return c;
    (c.findings || []).forEach(function (f) {
      var r = RULES[f.rule];
      if (!r) return;
      ['spec', 'requirement', 'level'].forEach(function (k) { if (!(k in f)) f[k] = r[k]; });
    });
    (c.tls || []).forEach(function (t) {
      if (typeof t.leaf === 'number') t.leaf = CERTS[t.leaf];
      t.chain = (t.chain || []).map(function (x) { return typeof x === 'number' ? CERTS[x] : x; });
    });
    restored[i] = true;
    return c;
  }
  function specOf(f) { return 'spec' in f ? f.spec : (RULES[f.rule] || {}).spec; }
  function $(id) { return document.getElementById(id); }
  var targetKey = M.endpoint;

  // Per-case facts used by the filters, computed once (O(cases + findings)). bl: "new" when a
  // finding is new since the baseline, else "known" when one is known; blKnown: any is known.
  var facts = cases.map(function (c) {
    var sev = 0, fresh = false, known = false;
    (c.findings || []).forEach(function (f) {
      if (f.verdict !== 'pass' && SEV_RANK[f.severity] > sev) sev = SEV_RANK[f.severity];
      var st = B.stateOf(f);
      fresh = fresh || st === 'new';
      known = known || st === 'known';
    });
    return { target: targetKey(c), sev: sev, text: null, bl: fresh ? 'new' : known ? 'known' : '', blKnown: known };
  });
  function searchText(i) {
    if (facts[i].text === null) {
      var c = cases[i], parts = [c.id, c.title, c.message, c.file, facts[i].target, c.protocol];
      (c.findings || []).forEach(function (f) { parts.push(f.rule, specOf(f), f.message); });
      facts[i].text = parts.join('\n').toLowerCase();
    }
    return facts[i].text;
  }

  function renderMeta() {
    var meta = $('meta');
    function add(k, v) {
      if (v === undefined || v === null || v === '') return;
      var d = el('div'); d.appendChild(el('dt', null, k)); d.appendChild(el('dd', null, v)); meta.appendChild(d);
    }
    add('command', R.command);
    add('targets', (R.targets || []).join(', '));
    add('started', R.started);
    add('duration', (R.duration_ms || 0) + ' ms');
    add('version', R.tool && R.tool.version);
    add('arguments', (R.arguments || []).join(' '));
    if (R.incomplete) {
      var p = $('incomplete');
      p.textContent = 'Incomplete run: ' + (R.incomplete_reason || 'interrupted before every case ran');
      p.hidden = false;
    }
  }

  function renderSummary() {
    var s = R.summary || {}, counts = s.cases || {}, box = $('summary');
    VERDICTS.forEach(function (v) {
      var b = el('button', 'sum v-' + v);
      b.type = 'button';
      b.setAttribute('data-verdict', v);
      b.setAttribute('aria-pressed', 'false');
      b.title = 'Show only ' + v + ' cases';
      b.appendChild(el('span', 'count', counts[v] || 0));
      b.appendChild(el('span', 'label', v));
      b.addEventListener('click', function () {
        var sel = $('f-verdict');
        sel.value = sel.value === v ? '' : v;
        applyFilters();
      });
      box.appendChild(b);
    });
    var t = el('div', 'sum total');
    t.appendChild(el('span', 'count', s.total !== undefined ? s.total : cases.length));
    t.appendChild(el('span', 'label', 'cases'));
    box.appendChild(t);
    var fc = s.findings || {}, parts = [];
    VERDICTS.forEach(function (v) { if (fc[v]) parts.push(fc[v] + ' ' + v); });
    box.appendChild(el('div', 'findings-line', 'Findings: ' + (s.total_findings || 0) + (parts.length ? ' (' + parts.join(', ') + ')' : '')));
  }

  function fillSelect(id, values, label) {
    var sel = $(id);
    values.forEach(function (v) {
      var o = el('option', null, label ? label(v) : v);
      o.value = v;
      sel.appendChild(o);
    });
  }

  function renderFilters() {
    var counts = (R.summary && R.summary.cases) || {};
    fillSelect('f-verdict', VERDICTS, function (v) { return v + ' (' + (counts[v] || 0) + ')'; });
    var protos = {}, targets = {};
    cases.forEach(function (c, i) { protos[c.protocol || ''] = 1; targets[facts[i].target] = 1; });
    fillSelect('f-protocol', Object.keys(protos).filter(Boolean).sort());
    fillSelect('f-severity', SEVERITIES, function (v) { return v === 'low' ? 'low and above' : v === 'critical' ? 'critical' : v + ' and above'; });
    fillSelect('f-target', Object.keys(targets).sort());
    if (R.baseline) {
      fillSelect('f-baseline', ['new', 'known'], function (v) { return v === 'new' ? 'with new findings' : 'with known findings'; });
      $('f-baseline').closest('label').hidden = false;
    }
    ['f-verdict', 'f-protocol', 'f-severity', 'f-target', 'f-baseline'].forEach(function (id) {
      $(id).addEventListener('change', applyFilters);
    });
    $('f-focus-clear').addEventListener('click', function () { setFocus(null); });
    // Search as you type: at once (coalesced) while a filter pass is cheap, debounced when the
    // last pass took longer than a frame.
    var timer = null;
    $('f-text').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(applyFilters, state.filter_ms > 16 ? 120 : 0);
    });
    $('f-reset').addEventListener('click', function () {
      ['f-verdict', 'f-protocol', 'f-severity', 'f-target', 'f-baseline', 'f-text'].forEach(function (id) { $(id).value = ''; });
      setFocus(null);
    });
  }

  // Narrows the list to what a matrix cell or a baseline entry stands for, and shows it as a
  // removable chip in the filter bar. Scrolls to the cases when set.
  function setFocus(f) {
    state.focus = f;
    var chip = $('f-focus');
    chip.hidden = !f;
    chip.querySelector('.txt').textContent = f ? f.label : '';
    chip.setAttribute('data-targets', f && f.targets ? f.targets.join(' ') : '');
    chip.setAttribute('data-rules', f && f.rules ? f.rules.join(' ') : '');
    applyFilters();
    if (f) showCases();
  }
  // Scrolls the case list's heading to just below the sticky filter bar.
  function showCases() {
    window.scrollTo(0, $('cases').getBoundingClientRect().top + window.scrollY - $('filters').offsetHeight - 8);
  }
  function inFocus(i) {
    var f = state.focus, c = cases[i];
    if (f.indices && f.indices.indexOf(i) < 0) return false;
    if (f.targets && f.targets.indexOf(facts[i].target) < 0) return false;
    if (f.ids && f.ids.indexOf(c.id) < 0) return false;
    if (f.rules && !(c.findings || []).some(function (x) { return M.ruleMatches(x.rule, f.rules); })) return false;
    return true;
  }

  function applyFilters() {
    var started = performance.now();
    var v = $('f-verdict').value, p = $('f-protocol').value, t = $('f-target').value, bl = $('f-baseline').value;
    var sev = SEV_RANK[$('f-severity').value] || 0, q = $('f-text').value.trim().toLowerCase();
    var m = [];
    for (var i = 0; i < cases.length; i++) {
      var c = cases[i];
      if (v && c.verdict !== v) continue;
      if (p && c.protocol !== p) continue;
      if (t && facts[i].target !== t) continue;
      if (sev && facts[i].sev < sev) continue;
      if (bl && (bl === 'new' ? facts[i].bl !== 'new' : !facts[i].blKnown)) continue;
      if (state.focus && !inFocus(i)) continue;
      if (q && searchText(i).indexOf(q) < 0) continue;
      m.push(i);
    }
    state.matches = m;
    state.shown = 0;
    $('case-list').textContent = '';
    $('case-list').setAttribute('data-query', q);  // lets tests wait for the debounced search
    document.querySelectorAll('#summary .sum[data-verdict]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-verdict') === v));
    });
    showMore(PAGE);
    state.filter_ms = performance.now() - started;
  }

  function caseRow(i) {
    var c = cases[i], row = el('div', 'case v-' + c.verdict);
    row.setAttribute('role', 'listitem');
    row.setAttribute('data-verdict', c.verdict);
    row.setAttribute('data-protocol', c.protocol || '');
    row.setAttribute('data-target', facts[i].target);
    if (facts[i].bl) row.setAttribute('data-baseline', facts[i].bl);
    row.setAttribute('data-index', i);
    row.id = 'case-' + i;
    var head = el('button', 'case-head');
    head.type = 'button';
    head.setAttribute('aria-expanded', 'false');
    head.appendChild(badge(c.verdict));
    head.appendChild(el('span', 'cid', c.id + (c.run ? ' #' + c.run : '')));
    head.appendChild(el('span', 'title', c.title || c.message || ''));
    var tgt = el('span', 'tgt', facts[i].target + ' ' + (c.protocol || ''));
    if (facts[i].bl === 'new') tgt.insertBefore(el('span', 'bl-tag bl-new', 'new'), tgt.firstChild);
    head.appendChild(tgt);
    var bad = (c.findings || []).filter(function (f) { return f.verdict === 'fail' || f.verdict === 'warn' || f.verdict === 'error'; }).length;
    head.appendChild(el('span', 'nf', bad ? bad + ' issue' + (bad > 1 ? 's' : '') : (c.findings || []).length + ' findings'));
    head.appendChild(el('span', 'dur', (c.duration_ms || 0) + ' ms'));
    row.appendChild(head);
    return row;
  }

  function showMore(n) {
    var list = $('case-list'), frag = document.createDocumentFragment();
    var end = Math.min(state.matches.length, state.shown + n);
    for (var k = state.shown; k < end; k++) frag.appendChild(caseRow(state.matches[k]));
    list.appendChild(frag);
    state.shown = end;
    $('case-count').textContent = '(showing ' + end + ' of ' + state.matches.length + ' matching, ' + cases.length + ' in total)';
    var more = $('more');
    more.textContent = '';
    var left = state.matches.length - end;
    if (left > 0) {
      var b = el('button', null, 'Show ' + Math.min(PAGE, left) + ' more');
      b.type = 'button';
      b.addEventListener('click', function () { showMore(PAGE); });
      more.appendChild(b);
      var all = el('button', null, 'Show all ' + left);
      all.type = 'button';
      all.addEventListener('click', function () { showMore(left); });
      more.appendChild(all);
    }
  }

  function toggleCase(row) {
    var head = row.querySelector('.case-head'), body = row.querySelector('.case-body');
    var open = head.getAttribute('aria-expanded') !== 'true';
    if (open && !body) {
      body = V.caseBody(fullCase(+row.getAttribute('data-index')));
      row.appendChild(body);
    }
    head.setAttribute('aria-expanded', String(open));
    body.hidden = !open;
  }

  function renderRules() {
    var box = $('rules'), rules = {};
    (R.rules || []).forEach(function (r) { rules[r.id] = r; });
    cases.forEach(function (c) {
      (c.findings || []).forEach(function (f) {
        if (!rules[f.rule]) rules[f.rule] = { id: f.rule, spec: f.spec, requirement: f.requirement, level: f.level };
      });
    });
    var ids = Object.keys(rules).sort();
    box.appendChild(el('h2', null, 'Rules (' + ids.length + ')'));
    var frag = document.createDocumentFragment();
    ids.forEach(function (id) {
      var r = rules[id], d = el('div', 'rule');
      d.id = ruleAnchor(id);
      d.appendChild(el('h3', 'mono', id));
      var p = el('p');
      if (r.spec) p.appendChild(specLink(r.spec));
      if (r.level) p.appendChild(el('span', 'muted', ' · ' + r.level));
      if (r.protocol) p.appendChild(el('span', 'muted', ' · ' + r.protocol));
      d.appendChild(p);
      if (r.requirement) d.appendChild(el('blockquote', 'requirement', r.requirement));
      frag.appendChild(d);
    });
    box.appendChild(frag);
  }

  function renderMatrices() {
    M.renderCompliance($('compliance'), cases, setFocus);
    M.renderAudit($('matrix'), cases, setFocus);
  }

  function renderBaseline() {
    B.render($('baseline'), R, cases, setFocus, function (v) {
      $('f-baseline').value = v;
      applyFilters();
      showCases();
    });
  }

  $('case-list').addEventListener('click', function (ev) {
    var head = ev.target.closest('.case-head');
    if (head) toggleCase(head.parentNode);
  });
  renderMeta();
  renderSummary();
  renderFilters();
  renderBaseline();
  renderMatrices();
  renderRules();
  applyFilters();
  document.documentElement.setAttribute('data-render-ms', String(Math.round(performance.now() - t0)));
  document.documentElement.setAttribute('data-ready', 'true');
})();
