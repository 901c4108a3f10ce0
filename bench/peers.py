"""The peer tools bench/run.py compares mailspec with: Python's imaplib (in this process), swaks,
testssl.sh, nmap, and imaptest when installed. Each returns a dict of figures for results.json."""
import imaplib
import os
import re
import shutil
import ssl
import subprocess
import time

from measure import run_measured, tree_cpu_seconds


def ensure_debian_packages(packages, log):
    """Installs the Debian packages whose command is missing (name -> command). Returns the
    commands still missing (not root, or apt failed): their sections are skipped, not failed."""
    missing = {pkg: cmd for pkg, cmd in packages.items() if not shutil.which(cmd)}
    if not missing:
        return []
    if os.geteuid() != 0:
        log(f"not root: cannot install {' '.join(missing)}; their figures are skipped")
        return list(missing.values())
    log(f"installing {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return [cmd for cmd in missing.values() if not shutil.which(cmd)]


def imaplib_sessions(port, ca_file, user, password, count, dovecot_pid):
    """The bench dialogue (greeting, LOGIN, SELECT, FETCH 1:* FLAGS, LOGOUT) over implicit TLS with
    certificate and hostname verification, `count` times in a row, as a Python client would."""
    ctx = ssl.create_default_context(cafile=ca_file)
    ok = 0
    errors = []
    d0 = tree_cpu_seconds(dovecot_pid)
    c0, t0 = time.process_time(), time.monotonic()
    for _ in range(count):
        try:
            m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=10)
            m.login(user, password)
            typ, _ = m.select("INBOX")
            typ2, data = m.fetch("1:*", "(FLAGS)")
            m.logout()
            if typ == "OK" and typ2 == "OK" and data and data[0]:
                ok += 1
        except (imaplib.IMAP4.error, OSError) as e:
            errors.append(type(e).__name__)
    wall = time.monotonic() - t0
    cpu = time.process_time() - c0
    time.sleep(0.3)  # let Dovecot reap the last session's processes
    d1 = tree_cpu_seconds(dovecot_pid)
    return {"sessions": count, "ok": ok, "errors": sorted(set(errors)), "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3), "sessions_per_s": round(count / wall, 1),
            "cpu_s_per_1000": round(cpu * 1000 / count, 2),
            "server_cpu_s": round(d1 - d0, 2) if d0 is not None and d1 is not None else None}


def imaptest_skipped():
    if not shutil.which("imaptest"):
        return {"skipped": "imaptest is not installed (not packaged in Debian 12)"}
    # imaptest takes the password only as pass=... on its command line, and secrets never go on
    # a command line here (another user can read it in ps); run it by hand against a lab if wanted.
    return {"skipped": "installed, but imaptest takes the password on its command line (pass=...)"}


def swaks_sessions(port, ca_file, env, count, server_pids):
    """EHLO, STARTTLS, EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT with swaks, `count` times in a row.
    The password goes through SWAKS_OPT_auth_password, never argv; swaks' output (which shows the
    AUTH PLAIN exchange) is discarded."""
    argv = ["swaks", "--server", f"127.0.0.1:{port}", "--ehlo", "mailspec.invalid", "--tls", "--tls-verify",
            "--tls-ca-path", ca_file, "--auth", "PLAIN", "--auth-user", env["MAILSPEC_USER"],
            "--from", env["MAILSPEC_FROM"], "--to", env["MAILSPEC_RCPT"],
            "--header", "Subject: swaks bench", "--body", "Benchmark message.", "--silent", "2"]
    child_env = dict(os.environ, SWAKS_OPT_auth_password=env["MAILSPEC_PASSWORD"])
    s0 = [tree_cpu_seconds(p) for p in server_pids]
    ok, wall, cpu = 0, 0.0, 0.0
    for _ in range(count):
        m = run_measured(argv, env=child_env, timeout=30)
        wall += m.wall
        cpu += m.cpu
        ok += m.rc == 0
    time.sleep(0.3)
    s1 = [tree_cpu_seconds(p) for p in server_pids]
    return {"sessions": count, "ok": ok, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "sessions_per_s": round(count / wall, 1), "cpu_s_per_1000": round(cpu * 1000 / count, 2),
            "server_cpu_s": _delta(s0, s1)}


def _delta(before, after):
    if any(x is None for x in before + after):
        return None
    return round(sum(after) - sum(before), 2)


def testssl_starttls_imap(port, out_path):
    """testssl.sh on one STARTTLS IMAP port. NXCONNECT and --nodns none keep it off DNS."""
    env = dict(os.environ, NXCONNECT="127.0.0.1:0")
    argv = ["testssl", "--nodns", "none", "--starttls", "imap", "--quiet", "--color", "0", "--warnings", "batch",
            f"127.0.0.1:{port}"]
    m = run_measured(argv, env=env, timeout=600, out_path=out_path)
    return {"command": "NXCONNECT=127.0.0.1:0 " + " ".join(argv[:-1]) + " 127.0.0.1:IMAP", "ports": 1,
            "wall_s": round(m.wall, 2), "cpu_s": round(m.cpu, 2), "rc": m.rc}


def nmap_ssl_enum(ports, out_path, version_detection):
    """nmap's ssl-enum-ciphers on the lab ports. Without -sV it only knows the services of the
    standard port numbers, so on the lab's high ports it covers the implicit-TLS ones only."""
    argv = ["nmap", "-n", "-Pn", *(["-sV"] if version_detection else []), "-p", ",".join(str(p) for p in ports),
            "--script", "ssl-enum-ciphers", "127.0.0.1"]
    m = run_measured(argv, timeout=600, out_path=out_path)
    with open(out_path, errors="replace") as f:
        covered = len(re.findall(r"^\| ssl-enum-ciphers:", f.read(), re.M))
    return {"command": " ".join(argv[:-3]) + " PORTS --script ssl-enum-ciphers 127.0.0.1", "ports": len(ports),
            "ports_with_tls_results": covered, "wall_s": round(m.wall, 2), "cpu_s": round(m.cpu, 2), "rc": m.rc}
