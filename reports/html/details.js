// mailspec report viewer, part 1: building blocks and a case's details (findings, steps, TLS,
// transcript). Loaded before app.js in the same page; exposes window.mailspecView.
// Every piece of report text goes through textContent, never innerHTML.
window.mailspecView = (function () {
  'use strict';
  var RANK = { fail: 5, error: 4, warn: 3, pass: 2, info: 1, skip: 0 };
  var VERDICTS = ['fail', 'error', 'warn', 'pass', 'info', 'skip'];
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function badge(v) { return el('span', 'badge b-' + v, v); }
  function ruleAnchor(id) { return 'rule-' + String(id).replace(/[^A-Za-z0-9._\/-]/g, '_'); }
  function rfcUrl(spec) {
    var m = /^\s*RFC\s*(\d+)(?:[\s,]*(?:§|section\s+)([A-Z]|\d+)((?:\.\d+)*))?/i.exec(spec || '');
    if (!m) return '';
    var url = 'https://www.rfc-editor.org/rfc/rfc' + m[1];
    if (m[2]) url += (/\d/.test(m[2]) ? '#section-' : '#appendix-') + m[2] + (m[3] || '');
    return url;
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
    if (f.baseline) {
      var tag = el('span', 'bl-tag bl-' + f.baseline.state, f.baseline.state === 'new' ? 'new since the baseline' :
                   'known from the baseline' + (f.baseline.reason ? ' (' + f.baseline.reason + ')' : ''));
      h.appendChild(tag);
    }
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
      ea.appendChild(el('dt', null, 'expected')); ea.appendChild(rawText('expected', f.expected || '—'));
      ea.appendChild(el('dt', null, 'actual')); ea.appendChild(rawText('actual', f.actual || '—'));
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
      ['sent', 'expected', 'actual', 'message'].forEach(function (k) {
        var td = rawText(k === 'message' ? null : 'mono', s[k]), cell = el('td', td.className);
        while (td.firstChild) cell.appendChild(td.firstChild);
        tr.appendChild(cell);
      });
      tr.appendChild(el('td', null, s.duration_ms));
      t.appendChild(tr);
    });
    return t;
  }

  // Renders core's visible() form: \r, \n and \xNN dimmed (a line break after \n). Escapes are
  // kept as text rather than ␍ ␊ glyphs, which many fonts (and headless CI browsers) lack.
  function visibleText(target, text) {
    var buf = '', i = 0;
    function flush() { if (buf) { target.appendChild(document.createTextNode(buf)); buf = ''; } }
    function ctl(shown, title) { flush(); var s = el('span', 'ctl', shown); s.title = title; target.appendChild(s); }
    while (i < text.length) {
      var ch = text.charAt(i);
      if (ch === '\\' && i + 1 < text.length) {
        var n = text.charAt(i + 1);
        if (n === 'r') { ctl('\\r', 'CR'); i += 2; continue; }
        if (n === 'n') { ctl('\\n', 'LF'); buf += '\n'; i += 2; continue; }
        if (n === '\\') { buf += '\\'; i += 2; continue; }
        if (n === 'x' && /^[0-9a-f]{2}$/i.test(text.substr(i + 2, 2))) { ctl('\\x' + text.substr(i + 2, 2), 'byte 0x' + text.substr(i + 2, 2)); i += 4; continue; }
      }
      buf += ch;
      i++;
    }
    flush();
  }

  // Raw text (findings, steps) with control characters shown as dimmed escapes.
  function rawText(cls, text) {
    var node = el('dd', cls), s = String(text === undefined || text === null ? '' : text), buf = '';
    for (var i = 0; i < s.length; i++) {
      var code = s.charCodeAt(i);
      if (code >= 0x20 && code !== 0x7f) { buf += s.charAt(i); continue; }
      if (buf) { node.appendChild(document.createTextNode(buf)); buf = ''; }
      var shown = code === 13 ? '\\r' : code === 10 ? '\\n' : code === 9 ? '\\t' : '\\x' + (code < 16 ? '0' : '') + code.toString(16);
      node.appendChild(el('span', 'ctl', shown));
    }
    if (buf) node.appendChild(document.createTextNode(buf));
    return node;
  }

  function transcriptBlock(c) {
    var box = el('div', 'transcript');
    box.setAttribute('role', 'log');
    var frag = document.createDocumentFragment();
    (c.transcript || []).forEach(function (e, i) {
      var line = el('div', 'tl d-' + e.dir + ' ch-' + e.channel + (e.conn ? ' has-conn' : ''));
      line.setAttribute('data-i', i);
      line.appendChild(el('span', 't', e.t_ms));
      line.appendChild(el('span', 'dir', e.dir === 'c' ? 'C' : e.dir === 's' ? 'S' : '·'));
      line.appendChild(el('span', 'chan', e.channel === 'tls' ? 'TLS' : 'plain'));
      if (e.conn) { var cn = el('span', 'conn', e.conn); cn.title = 'connection ' + e.conn; line.appendChild(cn); }
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
    body.appendChild(el('p', 'legend', 'C client · S server · · harness; TLS/plain shows the channel; \\r \\n are CR LF; secrets are redacted.'));
    body.appendChild(transcriptBlock(c));
    return body;
  }

  return { el: el, badge: badge, ruleAnchor: ruleAnchor, specLink: specLink, caseBody: caseBody, RANK: RANK, VERDICTS: VERDICTS };
})();
