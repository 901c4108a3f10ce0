#!/usr/bin/python3
"""mailspec benchmark: mailspec next to its peers, side by side in one run on one machine.

  bench/run.py [--only imap,smtp,audit,idle,framers] [--scale N] [--idle-sessions N] [--out DIR]

Installs the peers it needs if missing (Debian: testssl.sh, nmap; swaks comes with ci/setup;
Python's imaplib is in the standard library; imaptest only if installed), builds mailspec and
bench/framer_bench (the default RelWithDebInfo build, in --build-dir), starts its own lab of real Dovecot and Postfix
(MAILSPEC_LAB_DIR, default /tmp/mailspec-bench-lab; MAILSPEC_LAB_PORT_BASE, default 30000), runs
the measurements, stops the lab, and writes DIR/results.json (default bench/out) and a table
(DIR/results.txt, also printed). Missed targets are reported, never an error: the exit code is 0
when every selected measurement ran, 1 when the bench itself could not run (build, lab).
Connects only to 127.0.0.1 (and binds 127.0.0.2); makes no DNS query.
"""
import argparse
import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402
import sections  # noqa: E402
import table  # noqa: E402
from measure import loadavg, machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTIONS = ["imap", "smtp", "audit", "suites", "idle", "framers"]


def log(msg):
    print(f"bench: {msg}", flush=True)


def build(build_dir):
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        argv = ["cmake", "-G", "Ninja", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]
        if shutil.which("ccache"):
            argv.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        build_type = next((line.split("=", 1)[1].strip() for line in f if line.startswith("CMAKE_BUILD_TYPE:")), "")
    if build_type != "RelWithDebInfo":
        log(f"warning: {build_dir} is a {build_type or 'default'} build; figures are meant for RelWithDebInfo")
    subprocess.run(["ninja", "-C", build_dir, "-j2", "mailspec", "framer_bench"], check=True,
                   stdout=subprocess.DEVNULL)
    return build_type


def read_env_file(path):
    env = {}
    with open(path) as f:
        for line in f:
            parts = shlex.split(line)
            if len(parts) == 2 and parts[0] == "export" and "=" in parts[1]:
                k, v = parts[1].split("=", 1)
                env[k] = v
    return env


class Context:
    pass


def lab_up(ctx, dovecot_services="default"):
    env = dict(os.environ, MAILSPEC_LAB_DIR=ctx.lab_dir, MAILSPEC_LAB_PORT_BASE=ctx.lab_base,
               MAILSPEC_LAB_DOVECOT_SERVICES=dovecot_services)
    subprocess.run([os.path.join(ROOT, "ci", "lab"), "up", "good"], env=env, check=True, stdout=subprocess.DEVNULL)
    ctx.lab = read_env_file(os.path.join(ctx.lab_dir, "env"))
    ctx.ports = dict(item.split("=") for item in ctx.lab["MAILSPEC_PORTS"].split(","))
    ctx.port_args = shlex.split(ctx.lab["MAILSPEC_PORT_ARGS"])
    ctx.pids = {}
    with open(os.path.join(ctx.lab_dir, "pids")) as f:
        for line in f:
            pid, _start, role = line.split()
            ctx.pids[role] = int(pid)
    ctx.env = dict(os.environ, **{k: v for k, v in ctx.lab.items() if k.startswith("MAILSPEC_")})


def lab_down(ctx):
    env = dict(os.environ, MAILSPEC_LAB_DIR=ctx.lab_dir)
    subprocess.run([os.path.join(ROOT, "ci", "lab"), "down"], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def relab(ctx, dovecot_services):
    """Restarts the lab with Dovecot's services in another mode (new password, same ports)."""
    lab_down(ctx)
    lab_up(ctx, dovecot_services)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated: " + ",".join(SECTIONS))
    ap.add_argument("--scale", type=int, default=1, help="multiply the session counts (default 1)")
    ap.add_argument("--idle-sessions", type=int, default=10000)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    only = [s for s in args.only.split(",") if s]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown or args.scale < 1 or args.idle_sessions < 1:
        ap.error(f"unknown section {unknown}" if unknown else "--scale and --idle-sessions must be >= 1")

    ctx = Context()
    ctx.scale, ctx.idle_sessions = args.scale, args.idle_sessions
    ctx.nproc = len(os.sched_getaffinity(0))
    ctx.lab_dir = os.environ.get("MAILSPEC_LAB_DIR", "/tmp/mailspec-bench-lab")
    ctx.lab_base = os.environ.get("MAILSPEC_LAB_PORT_BASE", "30000")
    os.makedirs(args.out, exist_ok=True)
    ctx.work = tempfile.mkdtemp(prefix="mailspec-bench.")
    results = {"format": "mailspec-bench/1", "started": datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), "machine": machine(), "load": {"start": loadavg()}, "sections": {}}
    try:
        ctx.missing = peers.ensure_debian_packages({"testssl.sh": "testssl", "nmap": "nmap"}, log)
        if "smtp" in only and not shutil.which("swaks"):
            log("swaks missing (ci/setup installs it): smtp section skipped")
            only.remove("smtp")
        log("building mailspec and framer_bench")
        results["build_type"] = build(args.build_dir)
        ctx.mailspec = os.path.join(args.build_dir, "mailspec")
        ctx.framer_bench = os.path.join(args.build_dir, "bench", "framer_bench")
        if any(s in only for s in ("imap", "smtp", "audit", "suites")):
            log(f"starting the lab in {ctx.lab_dir} (port base {ctx.lab_base})")
            lab_up(ctx)
            ctx.relab = lambda services: relab(ctx, services)
        else:
            ctx.env = dict(os.environ)
    except (subprocess.CalledProcessError, OSError, KeyError, ValueError) as e:
        log(f"cannot run: {e}")
        return 1
    try:
        for name in only:
            log(f"{name} (load {' '.join(str(x) for x in loadavg())})")
            t0 = time.monotonic()
            load0 = loadavg()
            try:
                sec = getattr(sections, name)(ctx)
            except Exception as e:  # one broken measurement must not lose the others
                log(f"{name} failed: {type(e).__name__}: {e}")
                sec = {"error": f"{type(e).__name__}: {e}", "valid": False}
            sec["load_before"], sec["load_after"] = load0, loadavg()
            sec["section_wall_s"] = round(time.monotonic() - t0, 1)
            results["sections"][name] = sec
    finally:
        if hasattr(ctx, "lab"):
            lab_down(ctx)
    results["load"]["end"] = loadavg()
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    text = table.render(results)
    with open(os.path.join(args.out, "results.txt"), "w") as f:
        f.write(text)
    print(text, end="")
    if all(sec.get("valid") for sec in results["sections"].values()):
        shutil.rmtree(ctx.work, ignore_errors=True)
    else:
        log(f"some measurements are not valid; their reports and logs are kept in {ctx.work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
