"""Process measurement for bench/run.py: wall and CPU time of a child (wait4 rusage), CPU time of a
server's whole process tree from /proc, RSS sampling, load average and machine facts."""
import os
import platform
import signal
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


class Measured:
    """One finished child: wall seconds, CPU seconds (user + system, its waited-for children
    included), peak RSS in KiB, exit code, and the largest VmRSS seen while sampling."""

    def __init__(self, wall, cpu, maxrss_kb, rc, sampled_rss_kb=0, timed_out=False):
        self.wall, self.cpu, self.maxrss_kb, self.rc = wall, cpu, maxrss_kb, rc
        self.sampled_rss_kb, self.timed_out = sampled_rss_kb, timed_out


def vm_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(argv, env=None, cwd=None, timeout=600.0, out_path=None, sample_until=None, stdin=None):
    """Runs argv to completion (killed after `timeout` s). stdout+stderr go to out_path (or are
    discarded). sample_until: seconds after start during which VmRSS is sampled every 50 ms."""
    out = open(out_path, "wb") if out_path else subprocess.DEVNULL
    try:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=stdin if stdin is not None else subprocess.DEVNULL)
        sampled, timed_out = 0, False
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            now = time.monotonic() - t0
            if sample_until is not None and now <= sample_until:
                sampled = max(sampled, vm_rss_kb(p.pid))
            if now > timeout and not timed_out:
                timed_out = True
                p.send_signal(signal.SIGKILL)
            time.sleep(0.05 if sample_until is not None else 0.01)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        return Measured(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode, sampled, timed_out)
    finally:
        if out_path:
            out.close()


def _proc_table():
    """pid -> (ppid, CPU ticks of the process plus its reaped children)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rindex(")") + 2:].split()
        ppid = int(fields[1])
        ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        table[int(name)] = (ppid, ticks)
    return table


def tree_cpu_seconds(root_pid):
    """CPU seconds used so far by root_pid and all its descendants, exited ones included: a child
    that exits and is reaped adds its time to its parent's cutime/cstime, so the sum over the live
    tree of utime+stime+cutime+cstime only grows. Take the difference of two readings."""
    table = _proc_table()
    if root_pid not in table:
        return None
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += table[pid][1]
        todo.extend(children.get(pid, []))
    return total / CLK_TCK


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    distro = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_model": model, "mem_gb": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "os": distro}
