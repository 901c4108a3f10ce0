// mailspec report viewer: renders the embedded report.json (format mailspec-report/1).
// Vanilla JS, no network. Every piece of report text goes through textContent, never innerHTML.
// Scales to thousands of cases: rows are rendered a page at a time, a case's details are built
// only when it is opened, and filtering is one linear pass.
(function () {
  'use strict';
  var R = JSON.parse(document.getElementById('report-data').textContent);
  var VERDICTS = ['fail', 'error', 'warn', 'pass', 'info', 'skip'];
  var RANK = { fail: 5, error: 4, warn: 3, pass: 2, info: 1, skip: 0 };
  var SEVERITIES = ['critical', 'high', 'medium', 'low'];
  var SEV_RANK = { none: 0, low: 1, medium: 2, high: 3, critical: 4 };
  var PAGE = 200;
  var cases = R.cases || [];
  var state = { matches: [], shown: 0 };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function badge(v) { return el('span', 'badge b-' + v, v); }
  function targetKey(c) { var t = c.target || {}; return (t.host || '?') + ':' + (t.port || 0); }
  function ruleAnchor(id) { return 'rule-' + String(id).replace(/[^A-Za-z0-9._\/-]/g, '_'); }
  function rfcUrl(spec) {
    var m = /^\s*RFC\s*(\d+)(?:[\s,]*(?:§|section\s+)([A-Z]|\d+)((?:\.\d+)*))?/i.exec(spec || '');
    if (!m) return '';
    var url = 'https://www.rfc-editor.org/rfc/rfc' + m[1];
    if (m[2]) url += (/\d/.test(m[2]) ? '#section-' : '#appendix-') + m[2] + (m[3] || '');
    return url;
  }

  // Per-case facts used by the filters, computed once (O(cases + findings)).
  var facts = cases.map(function (c) {
    var sev = 0;
    (c.findings || []).forEach(function (f) {
      if (f.verdict !== 'pass' && SEV_RANK[f.severity] > sev) sev = SEV_RANK[f.severity];
    });
    return { target: targetKey(c), sev: sev, text: null };
  });
  function searchText(i) {
    if (facts[i].text === null) {
      var c = cases[i], parts = [c.id, c.title, c.message, c.file, facts[i].target, c.protocol];
      (c.findings || []).forEach(function (f) { parts.push(f.rule, f.spec, f.message); });
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
    ['f-verdict', 'f-protocol', 'f-severity', 'f-target'].forEach(function (id) {
      $(id).addEventListener('change', applyFilters);
    });
    var timer = null;
    $('f-text').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(applyFilters, 120);
    });
    $('f-reset').addEventListener('click', function () {
      ['f-verdict', 'f-protocol', 'f-severity', 'f-target', 'f-text'].forEach(function (id) { $(id).value = ''; });
      applyFilters();
    });
  }

  function applyFilters() {
    var v = $('f-verdict').value, p = $('f-protocol').value, t = $('f-target').value;
    var sev = SEV_RANK[$('f-severity').value] || 0, q = $('f-text').value.trim().toLowerCase();
    var m = [];
    for (var i = 0; i < cases.length; i++) {
      var c = cases[i];
      if (v && c.verdict !== v) continue;
      if (p && c.protocol !== p) continue;
      if (t && facts[i].target !== t) continue;
      if (sev && facts[i].sev < sev) continue;
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
  }

  function caseRow(i) {
    var c = cases[i], row = el('div', 'case v-' + c.verdict);
    row.setAttribute('role', 'listitem');
    row.setAttribute('data-verdict', c.verdict);
    row.setAttribute('data-protocol', c.protocol || '');
    row.setAttribute('data-target', facts[i].target);
    row.setAttribute('data-index', i);
    row.id = 'case-' + i;
    var head = el('button', 'case-head');
    head.type = 'button';
    head.setAttribute('aria-expanded', 'false');
    head.appendChild(badge(c.verdict));
    head.appendChild(el('span', 'cid', c.id + (c.run ? ' #' + c.run : '')));
    head.appendChild(el('span', 'title', c.title || c.message || ''));
    head.appendChild(el('span', 'tgt', facts[i].target + ' ' + (c.protocol || '')));
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

  function kv(pairs) {
    var dl = el('dl', 'kv');
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === '' || (Array.isArray(p[1]) && !p[1].length)) return;
      dl.appendChild(el('dt', null, p[0]));
      var dd = el('dd');
      if (p[1] instanceof Node) dd.appendChild(p[1]); else dd.textContent = Array.isArray(p[1]) ? p[1].join(', ') : String(p[1]);
      dl.appendChild(dd);
    });
    return dl;
  }

  function specLink(spec) {
    var url = rfcUrl(spec);
    if (!url) return el('span', null, spec);
    var a = el('a', null, spec);
    a.href = url;
    a.rel = 'noreferrer';
    a.target = '_blank';
    return a;
  }

  function findingItem(f, body) {
    var li = el('li', 'finding v-' + f.verdict);
    var h = el('div', 'fh');
    h.appendChild(badge(f.verdict));
    if (f.severity && f.severity !== 'none') h.appendChild(el('span', 'sev sev-' + f.severity, f.severity));
    var a = el('a', 'rule-link mono', f.rule);
    a.href = '#' + ruleAnchor(f.rule);
    h.appendChild(a);
    if (f.spec) h.appendChild(specLink(f.spec));
    if (f.level) h.appendChild(el('span', 'muted', f.level));
    if (f.step >= 0) h.appendChild(el('span', 'muted', 'step ' + f.step));
    li.appendChild(h);
    if (f.message) li.appendChild(el('p', null, f.message));
    if (f.requirement) li.appendChild(el('blockquote', 'requirement', f.requirement));
    if (f.expected || f.actual) {
      var ea = el('dl', 'ea');
      ea.appendChild(el('dt', null, 'expected')); ea.appendChild(el('dd', 'expected', f.expected || '—'));
      ea.appendChild(el('dt', null, 'actual')); ea.appendChild(el('dd', 'actual', f.actual || '—'));
      li.appendChild(ea);
    }
    if (f.transcript_index >= 0) {
      var jump = el('button', null, 'show in transcript');
      jump.type = 'button';
      jump.addEventListener('click', function () {
        var line = body.querySelector('.tl[data-i="' + f.transcript_index + '"]');
        if (!line) return;
        body.querySelectorAll('.tl.hl').forEach(function (x) { x.classList.remove('hl'); });
        line.classList.add('hl');
        line.scrollIntoView({ block: 'center' });
      });
      li.appendChild(jump);
    }
    return li;
  }

  function findingsBlock(c, body) {
    var ul = el('ul', 'findings');
    var fs = (c.findings || []).map(function (f, k) { return [f, k]; });
    fs.sort(function (a, b) { return (RANK[b[0].verdict] - RANK[a[0].verdict]) || (a[1] - b[1]); });
    fs.forEach(function (p) { ul.appendChild(findingItem(p[0], body)); });
    if (!fs.length) ul.appendChild(el('li', 'muted', 'No findings.'));
    return ul;
  }

  function stepsBlock(c) {
    var t = el('table', 'steps');
    var head = el('tr');
    ['#', 'id', 'action', 'verdict', 'sent', 'expected', 'actual', 'message', 'ms'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    t.appendChild(head);
    c.steps.forEach(function (s) {
      var tr = el('tr');
      tr.appendChild(el('td', null, s.index));
      tr.appendChild(el('td', 'mono', s.id));
      tr.appendChild(el('td', null, s.action));
      var v = el('td'); v.appendChild(badge(s.verdict)); tr.appendChild(v);
      ['sent', 'expected', 'actual', 'message'].forEach(function (k) { tr.appendChild(el('td', k === 'message' ? null : 'mono', s[k])); });
      tr.appendChild(el('td', null, s.duration_ms));
      t.appendChild(tr);
    });
    return t;
  }

  // Renders core's visible() form: \r and \n as dimmed ␍ ␊ (with a line break after ␊), \xNN dimmed.
  function visibleText(target, text) {
    var buf = '', i = 0;
    function flush() { if (buf) { target.appendChild(document.createTextNode(buf)); buf = ''; } }
    function ctl(shown, title) { flush(); var s = el('span', 'ctl', shown); s.title = title; target.appendChild(s); }
    while (i < text.length) {
      var ch = text.charAt(i);
      if (ch === '\\' && i + 1 < text.length) {
        var n = text.charAt(i + 1);
        if (n === 'r') { ctl('␍', 'CR'); i += 2; continue; }
        if (n === 'n') { ctl('␊', 'LF'); buf += '\n'; i += 2; continue; }
        if (n === '\\') { buf += '\\'; i += 2; continue; }
        if (n === 'x' && /^[0-9a-f]{2}$/i.test(text.substr(i + 2, 2))) { ctl('\\x' + text.substr(i + 2, 2), 'byte 0x' + text.substr(i + 2, 2)); i += 4; continue; }
      }
      buf += ch;
      i++;
    }
    flush();
  }

  function transcriptBlock(c) {
    var box = el('div', 'transcript');
    box.setAttribute('role', 'log');
    var frag = document.createDocumentFragment();
    (c.transcript || []).forEach(function (e, i) {
      var line = el('div', 'tl d-' + e.dir + ' ch-' + e.channel);
      line.setAttribute('data-i', i);
      line.appendChild(el('span', 't', e.t_ms));
      line.appendChild(el('span', 'dir', e.dir === 'c' ? 'C' : e.dir === 's' ? 'S' : '·'));
      line.appendChild(el('span', 'chan', e.channel === 'tls' ? 'TLS' : 'plain'));
      var txt = el('span', 'txt');
      visibleText(txt, e.text || '');
      if (e.elided) txt.appendChild(el('span', 'ctl', ' … ' + e.elided + ' bytes elided'));
      line.appendChild(txt);
      frag.appendChild(line);
    });
    if (c.transcript_dropped) frag.appendChild(el('div', 'tl d-meta', c.transcript_dropped + ' more entries not kept'));
    if (!(c.transcript || []).length) frag.appendChild(el('div', 'tl d-meta', 'No transcript.'));
    box.appendChild(frag);
    return box;
  }

  function certBlock(cert, title) {
    var d = el('div');
    d.appendChild(el('h3', null, title));
    d.appendChild(kv([['subject', cert.subject], ['issuer', cert.issuer], ['SAN', cert.san],
      ['not before', cert.not_before], ['not after', cert.not_after],
      ['key', (cert.key_type || '') + (cert.key_bits ? ' ' + cert.key_bits + ' bits' : '')],
      ['signature', cert.signature_algorithm], ['serial', cert.serial],
      ['SHA-256', cert.sha256_fingerprint], ['self-signed', cert.self_signed ? 'yes' : 'no']]));
    return d;
  }

  function tlsBlock(t, k) {
    var d = el('div', 'tls');
    d.appendChild(el('h3', null, 'TLS handshake ' + (k + 1) + ' (' + (t.mode || '?') + '): ' + (t.handshake_ok ? 'ok' : 'failed')));
    d.appendChild(kv([['error', t.handshake_error], ['version', t.version],
      ['cipher', (t.cipher || '') + (t.cipher_bits ? ' (' + t.cipher_bits + ' bits)' : '')],
      ['SNI', t.sni || '(none)'], ['ALPN', t.alpn], ['key exchange', t.peer_temp_key],
      ['verify', (t.verify_mode || '') + ': chain ' + (t.chain_ok ? 'ok' : 'NOT ok') + ', hostname ' + (t.hostname_ok ? 'ok' : 'NOT ok') +
        (t.verify_name ? ' (' + t.verify_name + ')' : '')],
      ['verify result', t.verify_error ? t.verify_error + ' (' + t.verify_code + ')' : ''],
      ['plaintext before handshake', t.plaintext_bytes_before_handshake ? t.plaintext_bytes_before_handshake + ' bytes: ' + t.plaintext_before_handshake : ''],
      ['handshake', t.handshake_ms + ' ms']]));
    if (t.leaf) d.appendChild(certBlock(t.leaf, 'Leaf certificate'));
    (t.chain || []).forEach(function (c, i) { if (i > 0) d.appendChild(certBlock(c, 'Chain certificate ' + i)); });
    return d;
  }

  function section(body, title, node) {
    body.appendChild(el('h3', null, title));
    body.appendChild(node);
  }

  function caseBody(c) {
    var body = el('div', 'case-body');
    if (c.message) body.appendChild(el('p', 'message', c.message));
    var t = c.target || {};
    body.appendChild(kv([['scenario', c.id], ['file', c.file], ['kind', c.kind], ['run', c.run],
      ['target', (t.host || '') + ':' + (t.port || '') + (t.ip && t.ip !== t.host ? ' (' + t.ip + ')' : '')],
      ['addresses', t.addresses], ['TLS mode', t.tls], ['bind', t.bind], ['started', c.started],
      ['duration', c.duration_ms + ' ms'], ['refs', c.refs]]));
    section(body, 'Findings', findingsBlock(c, body));
    if ((c.steps || []).length) section(body, 'Steps', stepsBlock(c));
    (c.tls || []).forEach(function (x, k) { body.appendChild(tlsBlock(x, k)); });
    var caps = c.capabilities || {};
    if ((caps.before_tls || []).length || (caps.after_tls || []).length)
      section(body, 'Capabilities', kv([['before TLS', caps.before_tls], ['after TLS', caps.after_tls]]));
    var extra = Object.keys(c.extra || {});
    if (extra.length) section(body, 'Facts', kv(extra.map(function (k) { return [k, c.extra[k]]; })));
    body.appendChild(el('h3', null, 'Transcript'));
    body.appendChild(el('p', 'legend', 'C client · S server · · harness; TLS/plain shows the channel; ␍ ␊ are CR LF; secrets are redacted.'));
    body.appendChild(transcriptBlock(c));
    return body;
  }

  function toggleCase(row) {
    var head = row.querySelector('.case-head'), body = row.querySelector('.case-body');
    var open = head.getAttribute('aria-expanded') !== 'true';
    if (open && !body) {
      body = caseBody(cases[+row.getAttribute('data-index')]);
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

  // Audit matrix: rows target:port, columns rule ids, cells the worst verdict seen.
  function renderMatrix() {
    var rows = {}, cols = {};
    cases.forEach(function (c, i) {
      if (c.kind !== 'audit') return;
      var row = rows[facts[i].target] || (rows[facts[i].target] = {});
      (c.findings || []).forEach(function (f) {
        cols[f.rule] = 1;
        if (!row[f.rule] || RANK[f.verdict] > RANK[row[f.rule]]) row[f.rule] = f.verdict;
      });
    });
    var rk = Object.keys(rows).sort(), ck = Object.keys(cols).sort();
    if (!rk.length) return;
    var box = $('matrix');
    box.hidden = false;
    box.appendChild(el('h2', null, 'Audit matrix (ports × requirements)'));
    var t = el('table'), head = el('tr');
    head.appendChild(el('th', null, 'target'));
    ck.forEach(function (id) {
      var th = el('th', 'rule-col'), a = el('a', 'mono', id);
      a.href = '#' + ruleAnchor(id);
      th.appendChild(a);
      head.appendChild(th);
    });
    t.appendChild(head);
    rk.forEach(function (key) {
      var tr = el('tr');
      tr.appendChild(el('th', 'mono', key));
      ck.forEach(function (id) {
        var v = rows[key][id], td = el('td', 'cell' + (v ? ' c-' + v : ''), v ? v.toUpperCase() : '—');
        td.title = key + ' · ' + id + ': ' + (v || 'not checked');
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    box.appendChild(t);
  }

  $('case-list').addEventListener('click', function (ev) {
    var head = ev.target.closest('.case-head');
    if (head) toggleCase(head.parentNode);
  });
  renderMeta();
  renderSummary();
  renderFilters();
  renderMatrix();
  renderRules();
  applyFilters();
  document.documentElement.setAttribute('data-ready', 'true');
})();
