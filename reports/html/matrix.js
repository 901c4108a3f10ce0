// mailspec report viewer, part 2: the audit matrix (ports x requirement families) and the
// compliance matrix (servers x RFC areas). Loaded after details.js; exposes window.mailspecMatrix.
// The compliance matrix is computed the same way by ci/compliance-matrix (Markdown for the docs):
// area, row grouping, ordering and cell text must stay identical in both.
// Every piece of report text goes through textContent, never innerHTML.
window.mailspecMatrix = (function () {
  'use strict';
  var V = window.mailspecView, el = V.el, RANK = V.RANK;
  var SHOWN = ['fail', 'error', 'warn', 'pass'];      // counted in a cell's text, in this order
  var QUIET = ['info', 'skip'];                         // shown only when nothing else is
  var AREA_ORDER = ['smtp', 'imap', 'pop3', 'sasl', 'tls', 'audit', 'settings', 'policy', 'scenario'];

  // ---- shared by both matrices -------------------------------------------------------------

  function endpoint(c) { var t = c.target || {}; return (t.host || '?') + ':' + (t.port || 0); }
  // A rule id matches a pattern that ends in "/" when it is in that folder or names it
  // ("audit/banner/" matches "audit/banner" and "audit/banner/x"), any other pattern exactly.
  function ruleMatches(id, patterns) {
    for (var i = 0; i < patterns.length; i++) {
      var p = patterns[i];
      if (p.charAt(p.length - 1) === '/' ? (id + '/').indexOf(p) === 0 : id === p) return true;
    }
    return false;
  }
  function worstOf(counts) {
    var w = '';
    Object.keys(counts).forEach(function (v) { if (counts[v] && (!w || RANK[v] > RANK[w])) w = v; });
    return w;
  }
  // "1 fail · 2 warn · 12 pass": fail, error, warn, pass; info and skip only when nothing else.
  function countParts(counts) {
    var parts = [];
    SHOWN.forEach(function (v) { if (counts[v]) parts.push([v, counts[v] + ' ' + v]); });
    if (!parts.length) QUIET.forEach(function (v) { if (counts[v]) parts.push([v, counts[v] + ' ' + v]); });
    return parts;
  }
  function countText(counts) { return countParts(counts).map(function (p) { return p[1]; }).join(' · ') || '—'; }
  function countTitle(counts) {
    var all = V.VERDICTS.filter(function (v) { return counts[v]; }).map(function (v) { return counts[v] + ' ' + v; });
    return all.length ? all.join(', ') : 'not checked';
  }
  function add(counts, v) { counts[v] = (counts[v] || 0) + 1; }

  // A scrolling box (both axes) holding a table: headers stick to its top, row labels to its
  // left, and a wide table scrolls inside it, never the page.
  function scrollBox(table, label) {
    var box = el('div', 'mx-scroll');
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', label);
    box.tabIndex = 0;
    box.appendChild(table);
    return box;
  }
  function link(text, title, onClick) {
    var a = el('a', 'mx-link', text);
    a.href = '#cases';
    if (title) a.title = title;
    a.addEventListener('click', function (ev) { ev.preventDefault(); onClick(); });
    return a;
  }
  function countsCell(counts, title, onClick) {
    var w = worstOf(counts), td = el('td', 'cell' + (w ? ' c-' + w : ''));
    td.setAttribute('data-counts', SHOWN.concat(QUIET).map(function (v) { return v + ':' + (counts[v] || 0); }).join(','));
    if (!w) { td.appendChild(el('span', 'muted', '—')); td.title = title + ': not checked'; return td; }
    var a = link('', title + ': ' + countTitle(counts), onClick);
    countParts(counts).forEach(function (p, i) {
      if (i) a.appendChild(document.createTextNode(' · '));
      a.appendChild(el('span', 'k k-' + p[0], p[1]));
    });
    td.appendChild(a);
    return td;
  }

  // ---- compliance matrix: one row per server, one column per RFC area -----------------------

  // RFC area of a rule id: its first two segments ("smtp/rfc5321/4.2/x" -> "smtp/rfc5321").
  var AREAS = {};  // rule id -> area: a report has few rules and many findings
  function area(id) {
    var a = AREAS[id];
    if (a === undefined) {
      var s = String(id), i = s.indexOf('/'), j = i < 0 ? -1 : s.indexOf('/', i + 1);
      a = AREAS[id] = j < 0 ? s : s.slice(0, j);
    }
    return a;
  }
  function areaCompare(a, b) {
    var ia = AREA_ORDER.indexOf(a.split('/')[0]), ib = AREA_ORDER.indexOf(b.split('/')[0]);
    if (ia < 0) ia = AREA_ORDER.length;
    if (ib < 0) ib = AREA_ORDER.length;
    return ia !== ib ? ia - ib : a < b ? -1 : a > b ? 1 : 0;
  }
  // The first line of text a server sent in a case (visible form, without its line end).
  function greeting(c) {
    var log = c.transcript || [];
    for (var i = 0; i < log.length; i++) {
      if (log[i].dir !== 's') continue;
      var t = String(log[i].text || ''), cut = t.length;
      ['\\r', '\\n'].forEach(function (e) { var k = t.indexOf(e); if (k >= 0 && k < cut) cut = k; });
      return t.slice(0, cut).trim().slice(0, 80);
    }
    return '';
  }
  // Names per endpoint: the software the audit recognised (mailspec serve: the client under
  // test), else the banner the audit recorded, else the first line the server sent in a case.
  function endpointNames(cases) {
    var names = {};
    cases.forEach(function (c) {
      var k = endpoint(c), n = names[k] || (names[k] = { software: '', banner: '', greeting: '' }), x = c.extra || {};
      if (c.kind === 'serve' && !n.software) n.software = String((c.target || {}).host || '');  // serve: the client
      if (!n.software && x.software) n.software = String(x.software);
      if (!n.banner && x.banner) n.banner = String(x.banner).slice(0, 80);
      if (!n.greeting) n.greeting = greeting(c);
    });
    Object.keys(names).forEach(function (k) { names[k].name = names[k].software || names[k].banner || names[k].greeting; });
    return names;
  }
  // by "server": the ports of one host with the same name (the software the audit recognised,
  // else the same banner) are one row; a port without either is a row of its own. by "port":
  // one row per host:port.
  function rowKey(c, names, by) {
    var ep = endpoint(c), n = names[ep];
    return by !== 'port' && n.name ? ((c.target || {}).host || '?') + '\u0000' + n.name : ep;
  }
  // How many rows compliance(cases, "server") has, without counting findings.
  function serverCount(cases) {
    var names = endpointNames(cases), keys = {}, n = 0;
    cases.forEach(function (c) { var k = rowKey(c, names, 'server'); if (!keys[k]) { keys[k] = 1; n++; } });
    return n;
  }
  function compliance(cases, by) {
    var names = endpointNames(cases), rows = {}, areas = {};
    cases.forEach(function (c, i) {
      var ep = endpoint(c), n = names[ep], host = (c.target || {}).host || '?';
      var key = rowKey(c, names, by);
      var row = rows[key] || (rows[key] = { key: key, label: n.name || ep, host: host, endpoints: [],
                                            ports: [], cases: {}, cells: {}, indices: [] });
      if (row.endpoints.indexOf(ep) < 0) { row.endpoints.push(ep); row.ports.push((c.target || {}).port || 0); }
      row.indices.push(i);
      add(row.cases, c.verdict);
      (c.findings || []).forEach(function (f) {
        var a = area(f.rule);
        areas[a] = 1;
        add(row.cells[a] || (row.cells[a] = {}), f.verdict);
      });
    });
    var list = Object.keys(rows).map(function (k) {
      var r = rows[k];
      r.ports.sort(function (a, b) { return a - b; });
      r.where = r.endpoints.length === 1 ? r.endpoints[0] : r.host + ':' + r.ports.join(', ');
      return r;
    });
    list.sort(function (a, b) {
      var la = a.label.toLowerCase(), lb = b.label.toLowerCase();
      return la < lb ? -1 : la > lb ? 1 : a.where < b.where ? -1 : a.where > b.where ? 1 : 0;
    });
    return { rows: list, areas: Object.keys(areas).sort(areaCompare) };
  }

  function complianceTable(m, focus) {
    var t = el('table', 'mx compliance'), thead = el('thead'), groups = el('tr'), heads = el('tr'), tbody = el('tbody');
    var corner = el('th', 'row-head corner', 'server');
    corner.rowSpan = 2;
    groups.appendChild(corner);
    var cc = el('th', 'grp', 'cases');
    cc.rowSpan = 2;
    groups.appendChild(cc);
    var last = null, span = null, width = 0;
    m.areas.forEach(function (a) {
      var g = a.split('/')[0];
      if (g !== last) { span = el('th', 'grp', g.toUpperCase()); width = 0; groups.appendChild(span); last = g; }
      span.colSpan = ++width;
      var th = el('th', 'col', a.indexOf('/') >= 0 ? a.slice(a.indexOf('/') + 1) : a);
      th.title = a;
      th.setAttribute('data-area', a);
      heads.appendChild(th);
    });
    thead.appendChild(groups);
    thead.appendChild(heads);
    t.appendChild(thead);
    m.rows.forEach(function (r) {
      var tr = el('tr'), th = el('th', 'row-head');
      th.setAttribute('data-row', r.key);
      th.appendChild(link(r.label, r.label + ' (' + r.where + '): show its cases', function () {
        focus({ targets: r.endpoints, label: r.label + ' ' + r.where });
      }));
      th.appendChild(el('span', 'where mono', r.where));
      tr.appendChild(th);
      var cases = countsCell(r.cases, r.label + ' · cases', function () {
        focus({ targets: r.endpoints, label: r.label + ' ' + r.where });
      });
      cases.classList.add('cases-col');
      tr.appendChild(cases);
      m.areas.forEach(function (a) {
        var td = countsCell(r.cells[a] || {}, r.label + ' · ' + a, function () {
          focus({ targets: r.endpoints, rules: [a + '/'], label: r.label + ' · ' + a });
        });
        td.setAttribute('data-area', a);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    t.appendChild(tbody);
    return t;
  }

  // ---- audit matrix: one row per audited port, requirements grouped by family ---------------

  // Requirement families, in column order; patterns as in ruleMatches. Rules of none of them
  // (the passive protocol rules judged on the audit's transcripts) form the last family.
  var FAMILIES = [
    ['Reachability', ['audit/reachable', 'audit/throttled', 'audit/protocol/', 'audit/banner']],
    ['STARTTLS', ['audit/starttls/', 'tls/starttls/', 'audit/capabilities/']],
    ['Implicit TLS', ['audit/implicit-tls/', 'tls/rfc8314/']],
    ['Plaintext login', ['audit/plaintext-login/']],
    ['Injection', ['audit/starttls-injection/']],
    ['SMTP smuggling', ['audit/smtp-smuggling/']],
    ['TLS versions', ['tls/version/', 'audit/tls/versions']],
    ['Ciphers', ['tls/cipher/', 'audit/tls/weak-ciphers']],
    ['Certificate', ['tls/cert/']],
  ];
  var OTHER = 'Protocol rules';
  function familyOf(id) {
    for (var i = 0; i < FAMILIES.length; i++) if (ruleMatches(id, FAMILIES[i][1])) return FAMILIES[i][0];
    return OTHER;
  }
  // Short column labels: the shortest tail of the id (in path segments) unique in its family.
  function shortLabels(ids) {
    var out = {};
    ids.forEach(function (id) {
      var seg = id.split('/');
      for (var n = 1; n <= seg.length; n++) {
        var tail = seg.slice(-n).join('/');
        var clash = ids.some(function (o) { return o !== id && (o === tail || o.slice(-tail.length - 1) === '/' + tail); });
        if (!clash || n === seg.length) { out[id] = tail; break; }
      }
    });
    return out;
  }
  function serviceOf(c) {
    var t = c.target || {};
    if (t.service) return String(t.service);
    var m = /^audit\/([^:\/]+):/.exec(c.id || '');
    return m ? m[1] : c.protocol || '';
  }

  function auditModel(cases) {
    var rows = {}, rules = {};
    cases.forEach(function (c) {
      if (c.kind !== 'audit') return;
      var ep = endpoint(c), x = c.extra || {};
      var row = rows[ep] || (rows[ep] = { key: ep, service: serviceOf(c), software: '', port: (c.target || {}).port || 0, rules: {} });
      if (!row.software && x.software) row.software = String(x.software);
      (c.findings || []).forEach(function (f) {
        rules[f.rule] = 1;
        var cur = row.rules[f.rule];
        if (!cur || RANK[f.verdict] > RANK[cur]) row.rules[f.rule] = f.verdict;
      });
    });
    var ids = Object.keys(rules).sort(), fams = [];
    FAMILIES.map(function (f) { return f[0]; }).concat([OTHER]).forEach(function (name) {
      var mine = ids.filter(function (id) { return familyOf(id) === name; });
      if (mine.length) fams.push({ name: name, rules: mine, labels: shortLabels(mine) });
    });
    var list = Object.keys(rows).map(function (k) { return rows[k]; });
    list.sort(function (a, b) { return a.key.split(':')[0] < b.key.split(':')[0] ? -1 : a.key.split(':')[0] > b.key.split(':')[0] ? 1 : a.port - b.port; });
    return { rows: list, families: fams };
  }

  function rowHead(r, focus) {
    var th = el('th', 'row-head');
    th.setAttribute('data-row', r.key);
    th.appendChild(link(r.service, r.service + ' on ' + r.key + ': show its cases', function () {
      focus({ targets: [r.key], label: r.service + ' ' + r.key });
    }));
    th.appendChild(el('span', 'where mono', r.key));
    if (r.software) th.appendChild(el('span', 'muted', r.software));
    return th;
  }

  // Compact: one column per family, the worst verdict and, when some of the family's judged
  // requirements (info and skip are not judgements) are better than it, how many have it.
  function familyCell(r, fam, focus) {
    var counts = {}, lines = [], worst = '', judged = 0;
    fam.rules.forEach(function (id) {
      var v = r.rules[id];
      if (!v) return;
      add(counts, v);
      judged += v !== 'info' && v !== 'skip';
      lines.push(id + ': ' + v.toUpperCase());
      if (!worst || RANK[v] > RANK[worst]) worst = v;
    });
    var td = el('td', 'cell' + (worst ? ' c-' + worst : ''));
    td.setAttribute('data-family', fam.name);
    if (!worst) { td.appendChild(el('span', 'muted', '—')); td.title = r.key + ' · ' + fam.name + ': not checked'; return td; }
    var a = link('', r.key + ' · ' + fam.name + '\n' + lines.join('\n'), function () {
      focus({ targets: [r.key], rules: fam.rules, label: r.service + ' ' + r.key + ' · ' + fam.name });
    });
    a.appendChild(el('span', 'w', worst.toUpperCase()));
    if (counts[worst] < judged) a.appendChild(el('span', 'n', ' ' + counts[worst] + '/' + judged));
    td.appendChild(a);
    return td;
  }

  function auditTable(m, expanded, focus) {
    var t = el('table', 'mx audit' + (expanded ? ' expanded' : '')), thead = el('thead'), top = el('tr'), tbody = el('tbody');
    var corner = el('th', 'row-head corner', 'port');
    top.appendChild(corner);
    var second = expanded ? el('tr') : null;
    if (expanded) corner.rowSpan = 2;
    m.families.forEach(function (fam) {
      var th = el('th', expanded ? 'grp' : 'col', fam.name);
      th.title = fam.rules.join('\n');
      if (expanded) {
        th.colSpan = fam.rules.length;
        fam.rules.forEach(function (id) {
          var h = el('th', 'col'), a = el('a', 'mono', fam.labels[id]);
          a.href = '#' + V.ruleAnchor(id);
          a.title = id;
          h.appendChild(a);
          h.setAttribute('data-rule', id);
          second.appendChild(h);
        });
      }
      top.appendChild(th);
    });
    thead.appendChild(top);
    if (second) thead.appendChild(second);
    t.appendChild(thead);
    m.rows.forEach(function (r) {
      var tr = el('tr');
      tr.appendChild(rowHead(r, focus));
      m.families.forEach(function (fam) {
        if (!expanded) { tr.appendChild(familyCell(r, fam, focus)); return; }
        fam.rules.forEach(function (id) {
          var v = r.rules[id], td = el('td', 'cell' + (v ? ' c-' + v : ''));
          td.setAttribute('data-rule', id);
          if (!v) { td.appendChild(el('span', 'muted', '—')); td.title = r.key + ' · ' + id + ': not checked'; }
          else td.appendChild(link(v.toUpperCase(), r.key + ' · ' + id + ': ' + v, function () {
            focus({ targets: [r.key], rules: [id], label: r.service + ' ' + r.key + ' · ' + id });
          }));
          tr.appendChild(td);
        });
      });
      tbody.appendChild(tr);
    });
    t.appendChild(tbody);
    return t;
  }

  // ---- sections --------------------------------------------------------------------------

  function toggle(box, text, pressed, onChange) {
    var b = el('button', 'mx-toggle', text);
    b.type = 'button';
    b.setAttribute('aria-pressed', String(pressed));
    b.addEventListener('click', function () { onChange(b.getAttribute('aria-pressed') !== 'true'); });
    box.appendChild(b);
    return b;
  }

  function renderAudit(box, cases, focus) {
    var m = auditModel(cases);
    if (!m.rows.length) return false;
    box.hidden = false;
    box.appendChild(el('h2', null, 'Audit matrix (' + m.rows.length + ' port' + (m.rows.length > 1 ? 's' : '') + ' × requirements)'));
    var bar = el('p', 'mx-bar'), holder = el('div');
    bar.appendChild(el('span', 'legend', 'Worst verdict per requirement family; k/n: k of the n requirements judged there have it. Click a cell for its cases.'));
    function draw(expanded) {
      holder.textContent = '';
      holder.appendChild(scrollBox(auditTable(m, expanded, focus), 'Audit matrix'));
      btn.setAttribute('aria-pressed', String(expanded));
      btn.textContent = expanded ? 'Group by family' : 'Each requirement';
    }
    var btn = toggle(bar, '', false, draw);
    btn.id = 'matrix-expand';
    box.appendChild(bar);
    box.appendChild(holder);
    draw(false);
    return true;
  }

  function renderCompliance(box, cases, focus) {
    if (serverCount(cases) < 2) return false;
    var byServer = compliance(cases, 'server');
    box.hidden = false;
    box.appendChild(el('h2', null, 'Compliance matrix (servers × RFC areas)'));
    var bar = el('p', 'mx-bar'), holder = el('div');
    bar.appendChild(el('span', 'legend', 'Findings per server and RFC area (rule id prefix); the colour is the worst verdict. Click a count for its cases.'));
    function draw(byPort) {
      holder.textContent = '';
      holder.appendChild(scrollBox(complianceTable(byPort ? compliance(cases, 'port') : byServer, focus), 'Compliance matrix'));
      btn.setAttribute('aria-pressed', String(byPort));
      btn.textContent = byPort ? 'One row per server' : 'One row per port';
    }
    var btn = toggle(bar, '', false, draw);
    btn.id = 'compliance-by-port';
    box.appendChild(bar);
    box.appendChild(holder);
    draw(false);
    return true;
  }

  return { area: area, compliance: compliance, serverCount: serverCount, countText: countText, ruleMatches: ruleMatches, endpoint: endpoint,
           auditModel: auditModel, renderAudit: renderAudit, renderCompliance: renderCompliance };
})();
