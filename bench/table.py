"""The short table bench/run.py prints and writes to results.txt, from results.json."""


def _fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        v = f"{v:,.1f}" if abs(v) >= 10 else f"{v:.2f}"
    return f"{v}{unit}"


def _row(rows, what, value, cpu="", note=""):
    rows.append((what, value, cpu, note))


def _imap_set(s, rows, mode):
    for r in s["mailspec"]:
        _row(rows, f"IMAP{mode} mailspec --jobs {r['jobs']} ({r['sessions']})", _fmt(r["sessions_per_s"], " sess/s"),
             f"{_fmt(r['cpu_s_per_1000'])} / {_fmt(r['server_cpu_s_per_1000'])}",
             f"{r['ok']}/{r['sessions']} pass")
    p = s["imaplib"]
    _row(rows, f"IMAP{mode} Python imaplib, sequential ({p['sessions']})", _fmt(p["sessions_per_s"], " sess/s"),
         f"{_fmt(p['cpu_s_per_1000'])} / {_fmt(p['server_cpu_s'] and p['server_cpu_s'] * 1000 / p['sessions'])}",
         f"{p['ok']}/{p['sessions']} ok")
    target = not mode
    r = s["ratios"]
    _row(rows, "  ratio --jobs 8 / imaplib", _fmt(r["jobs8_vs_imaplib"], "x"), "", "target >= 5x" if target else "")
    _row(rows, "  mailspec CPU / Dovecot CPU (--jobs 8)", _fmt(r["mailspec_cpu_vs_dovecot_jobs8"]), "",
         "target < 0.25" if target else "")
    c = s.get("ceiling", {})
    if c.get("sessions_per_s"):
        _row(rows, f"  ceiling: {c['cores']} cores / CPU per session", _fmt(c["sessions_per_s"], " sess/s"), "",
             f"= {_fmt(c['over_imaplib'], 'x')} imaplib; --jobs 8 reaches {round(100 * c['jobs8_share_of_ceiling'])}%")


def _imap(s, rows):
    _imap_set(s, rows, "")
    _row(rows, "IMAP imaptest", "-", "", s["imaptest"].get("skipped", ""))
    if "performance_mode" in s:
        _row(rows, "IMAP again, Dovecot in high-performance mode (login and mail processes reused):", "")
        _imap_set(s["performance_mode"], rows, " hp")


def _smtp(s, rows):
    for r in s["mailspec"]:
        _row(rows, f"SMTP mailspec --jobs {r['jobs']} ({r['sessions']})", _fmt(r["sessions_per_s"], " sess/s"),
             f"{_fmt(r['cpu_s_per_1000'])} / {_fmt(r['server_cpu_s_per_1000'])}", f"{r['ok']}/{r['sessions']} pass")
    w = s["swaks"]
    _row(rows, f"SMTP swaks, sequential ({w['sessions']})", _fmt(w["sessions_per_s"], " sess/s"),
         f"{_fmt(w['cpu_s_per_1000'])} / {_fmt(w['server_cpu_s'] and w['server_cpu_s'] * 1000 / w['sessions'])}",
         f"{w['ok']}/{w['sessions']} ok")
    _row(rows, "  ratio --jobs 1 / swaks, --jobs 8 / swaks",
         f"{_fmt(s['ratios']['jobs1_vs_swaks'], 'x')}, {_fmt(s['ratios']['jobs8_vs_swaks'], 'x')}")


def _audit(s, rows):
    m = s["mailspec"]
    _row(rows, "audit mailspec, 7 ports (median of 3)", _fmt(m["median_wall_s"], " s"),
         _fmt(sorted(r["cpu_s"] for r in m["runs"])[1]), f"{m['runs'][0]['cases']} cases")
    t = s["testssl"]
    _row(rows, "audit testssl.sh --starttls imap, 1 port", _fmt(t.get("wall_s"), " s"), _fmt(t.get("cpu_s")),
         t.get("skipped", ""))
    for key, label in (("nmap", "nmap ssl-enum-ciphers, 7 ports"), ("nmap_sV", "nmap -sV ssl-enum-ciphers, 7 ports")):
        if key in s and "wall_s" in s[key]:
            _row(rows, f"audit {label}", _fmt(s[key]["wall_s"], " s"), _fmt(s[key]["cpu_s"]),
                 f"TLS results for {s[key]['ports_with_tls_results']} of 7 ports")
    if "testssl_one_port_vs_mailspec_7_ports" in s["ratios"]:
        _row(rows, "  ratio testssl.sh (1 port) / mailspec (7 ports)",
             _fmt(s["ratios"]["testssl_one_port_vs_mailspec_7_ports"], "x"), "", "target >= 20x")


def _idle(s, rows):
    _row(rows, f"idle: {s['sessions']} sessions open, RSS", _fmt(s["idle_rss_mb"], " MB"), "",
         f"{_fmt(s['idle_kb_per_session'])} KB/session; target < 300 MB")
    _row(rows, "  peak RSS of the whole run (report included)", _fmt(s["peak_rss_mb"], " MB"), _fmt(s["cpu_s"]),
         f"listener saw {s['listener_peak_open']} open at once")


def _framers(s, rows):
    r = s["rows"]
    for name, label in (("imap_fetch_literals", "framer IMAP FETCH literals"), ("memcpy_imap_stream", "  memcpy, same bytes"),
                        ("pop3_retr_bodies", "framer POP3 RETR bodies"), ("memcpy_pop3_stream", "  memcpy, same bytes")):
        if name in r:
            note = "target >= 1,000 MB/s" if not name.startswith("memcpy") else ""
            _row(rows, label, _fmt(r[name]["mb_per_s"], " MB/s"), _fmt(r[name]["mb_per_cpu_s"], " MB/cpu-s"), note)


def _suites(s, rows):
    for mode, label in (("performance", "lab mode, Dovecot high-performance"), ("default", "Dovecot default services")):
        for key, what in (("imap", "IMAP suite"), ("smtp_pop3", "SMTP + POP3 suites")):
            r = s[mode][key]
            _row(rows, f"{what}, default options ({label})", _fmt(r["wall_s"], " s"), "",
                 f"{r['cases']} cases: {r['pass']} pass, {r['fail']} fail, {r['skip']} skip, {r['error']} error; "
                 f"mailspec CPU {_fmt(r['cpu_s'])} s")


def render(results):
    m = results["machine"]
    head = [f"mailspec bench {results['started']}: {m['cpu_model']}, nproc {m['nproc']}, {m['mem_gb']} GB, "
            f"{m['os']}, kernel {m['kernel']}",
            f"load average at start {results['load']['start']}, at end {results['load'].get('end')}; "
            "all figures measured side by side in this run",
            "CPU column: CPU seconds per 1,000 sessions, client / server (IMAP: Dovecot; SMTP: Postfix + Dovecot auth)"]
    rows = []
    for name, fn in (("imap", _imap), ("smtp", _smtp), ("audit", _audit), ("suites", _suites), ("idle", _idle), ("framers", _framers)):
        s = results["sections"].get(name)
        if s and "error" in s:
            _row(rows, f"{name}: not measured", "", "", s["error"])
        elif s:
            fn(s, rows)
            if not s.get("valid", True):
                _row(rows, f"  ({name}: some sessions did not pass; see results.json)", "")
    w = [max(len(r[i]) for r in rows) if rows else 0 for i in range(3)]
    lines = [f"{a:<{w[0]}}  {b:>{w[1]}}  {c:>{w[2]}}  {d}".rstrip() for a, b, c, d in rows]
    targets = []
    for name, s in results["sections"].items():
        for what, met in s.get("targets", {}).items():
            targets.append(f"  [{'met' if met else 'MISSED'}] {name}: {what}")
    return "\n".join(head + [""] + lines + ["", "targets:"] + targets) + "\n"
