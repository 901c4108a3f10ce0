// mailspec report viewer, part 3: what changed since --baseline FILE. Findings carry their own
// mark (finding.baseline.state: known or new); report.baseline lists the baseline findings that no
// longer fail or warn (fixed) and those whose case did not run (not_rerun).
// Loaded after details.js and matrix.js; exposes window.mailspecBaseline.
window.mailspecBaseline = (function () {
  'use strict';
  var V = window.mailspecView, el = V.el;

  function stateOf(f) { return f.baseline ? f.baseline.state : ''; }

  // new findings as [case index, finding], in report order; and the count of known ones
  function marked(cases) {
    var fresh = [], known = 0;
    cases.forEach(function (c, i) {
      (c.findings || []).forEach(function (f) {
        if (stateOf(f) === 'new') fresh.push([i, f]);
        else if (stateOf(f) === 'known') known++;
      });
    });
    return { fresh: fresh, known: known };
  }

  var where = window.mailspecMatrix.endpoint;

  function chip(kind, n, label, onClick) {
    var b = el('button', 'sum bl-' + kind);
    b.type = 'button';
    b.setAttribute('data-kind', kind);
    b.appendChild(el('span', 'count', n));
    b.appendChild(el('span', 'label', label));
    if (onClick) b.addEventListener('click', onClick); else b.disabled = true;
    return b;
  }

  function ruleLink(id) {
    var a = el('a', 'mono', id);
    a.href = '#' + V.ruleAnchor(id);
    return a;
  }

  function table(id, heads, rows) {
    var t = el('table', 'bl-table'), tr = el('tr');
    t.id = id;
    heads.forEach(function (h) { tr.appendChild(el('th', null, h)); });
    var thead = el('thead'), tbody = el('tbody');
    thead.appendChild(tr);
    t.appendChild(thead);
    rows.forEach(function (r) { tbody.appendChild(r); });
    t.appendChild(tbody);
    return t;
  }

  function cell(tr, content, cls) {
    var td = el('td', cls);
    if (content instanceof Node) td.appendChild(content); else td.textContent = content;
    tr.appendChild(td);
    return td;
  }

  // focus(spec) narrows the case list (see app.js); setFilter(value) sets the baseline filter.
  function render(box, R, cases, focus, setFilter) {
    var d = R.baseline;
    if (!d) return false;
    var m = marked(cases);
    box.hidden = false;
    var h = el('h2', null, 'Since the baseline ');
    if (d.file) h.appendChild(el('span', 'muted mono', d.file));
    box.appendChild(h);
    var bar = el('div', 'bl-bar');
    bar.appendChild(chip('new', m.fresh.length, 'new', function () { setFilter('new'); }));
    bar.appendChild(chip('fixed', d.fixed.length, 'fixed', function () {
      document.getElementById('baseline-fixed').scrollIntoView({ block: 'nearest' });
    }));
    bar.appendChild(chip('known', m.known, 'known', function () { setFilter('known'); }));
    if (d.not_rerun.length) bar.appendChild(chip('not-rerun', d.not_rerun.length, 'not rerun'));
    box.appendChild(bar);

    var fresh = m.fresh.map(function (p) {
      var c = cases[p[0]], f = p[1], tr = el('tr', 'v-' + f.verdict);
      cell(tr, V.badge(f.verdict));
      cell(tr, ruleLink(f.rule));
      var go = el('a', 'mono', c.id + (c.run ? ' #' + c.run : ''));
      go.href = '#cases';
      go.addEventListener('click', function (ev) {
        ev.preventDefault();
        focus({ indices: [p[0]], label: c.id + ' ' + where(c) });
      });
      cell(tr, go);
      cell(tr, where(c), 'mono');
      cell(tr, f.message || '');
      return tr;
    });
    box.appendChild(el('h3', null, 'New (' + fresh.length + '): fail, warn or error findings the baseline does not have'));
    box.appendChild(fresh.length ? table('baseline-new', ['verdict', 'rule', 'case', 'target', 'message'], fresh)
                                 : el('p', 'muted', 'None.'));

    var fixed = d.fixed.map(function (b) {
      var tr = el('tr');
      cell(tr, ruleLink(b.rule));
      var go = el('a', 'mono', b.case || 'any case');
      go.href = '#cases';
      go.addEventListener('click', function (ev) {
        ev.preventDefault();
        focus({ ids: b.case ? [b.case] : null, targets: b.target ? [b.target] : null, label: (b.case || 'any case') + ' ' + (b.target || '') });
      });
      cell(tr, go);
      cell(tr, b.target || 'any', 'mono');
      cell(tr, b.was ? 'was ' + b.was : 'waived' + (b.reason ? ' (' + b.reason + ')' : ''));
      cell(tr, b.now ? 'now ' + b.now : 'no longer reported');
      return tr;
    });
    // Kept even when empty: the "fixed" chip scrolls here.
    var fx = el('h3', null, 'Fixed (' + fixed.length + '): baseline findings that no longer fail or warn');
    box.appendChild(fx);
    box.appendChild(table('baseline-fixed', ['rule', 'case', 'target', 'in the baseline', 'in this run'], fixed));

    if (d.not_rerun.length) {
      var det = el('details', 'bl-not-rerun');
      det.appendChild(el('summary', null, 'Not rerun (' + d.not_rerun.length + '): baseline findings whose case did not run this time, neither fixed nor known'));
      det.appendChild(table('baseline-not-rerun', ['rule', 'case', 'target', 'in the baseline'], d.not_rerun.map(function (b) {
        var tr = el('tr');
        cell(tr, ruleLink(b.rule));
        cell(tr, b.case || 'any', 'mono');
        cell(tr, b.target || 'any', 'mono');
        cell(tr, b.was || 'waived');
        return tr;
      })));
      box.appendChild(det);
    }
    return true;
  }

  return { render: render, stateOf: stateOf };
})();
