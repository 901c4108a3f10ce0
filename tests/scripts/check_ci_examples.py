#!/usr/bin/python3
"""Checks the CI examples in ci/examples/: each parses as YAML, and its shard commands, run in a
shell with `mailspec` replaced by a stub that records its arguments, really produce shards 1..N of
one plan (--shard K/N, N = the matrix size, one report directory each), and the merge step joins
every shard's report. The password only ever comes from the environment (a secret).

  check_ci_examples.py DIR     (exit 0: all good; 1: problems, listed)
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

problems = []


def check(ok, what):
    print(("ok - " if ok else "NOT OK - ") + what)
    if not ok:
        problems.append(what)
    return ok


STUB = r'''stub() {
  printf '%s\n' "$@" > "$STUB_OUT/call-$(ls "$STUB_OUT" | wc -l)"
  prev=""
  for a in "$@"; do
    if [ "$prev" = "--report-dir" ]; then mkdir -p "$a" && echo '{}' > "$a/report.json"; fi
    prev=$a
  done
  return 1   # as if the run had findings: the scripts must still keep the report
}
'''


def run_stubbed(script, binary, env, shell="bash"):
    """Runs script with `binary` replaced by the stub; returns the argument lists it was called with."""
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cwd:
        text = STUB + script.replace(binary + " ", "stub ")
        p = subprocess.run([shell, "-c", text], env=dict(env, STUB_OUT=out, PATH=os.environ["PATH"]), cwd=cwd,
                           capture_output=True, text=True, timeout=30)
        calls = []
        for name in sorted(os.listdir(out), key=lambda n: int(n.split("-")[1])):
            with open(os.path.join(out, name)) as f:
                calls.append(f.read().splitlines())
        return p.returncode, calls, p.stderr


def arg_after(args, flag):
    return args[args.index(flag) + 1] if flag in args else None


def plan_of(args):
    """A run's arguments without the ones that differ per shard."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("--shard", "--report-dir"):
            skip = True
            continue
        out.append(a)
    return out


def check_shards(name, runs, n):
    """runs: {k: args of the mailspec run of shard k}"""
    check(sorted(runs) == list(range(1, n + 1)), f"{name}: one run per shard 1..{n}")
    check(all(arg_after(a, "--shard") == f"{k}/{n}" for k, a in runs.items()), f"{name}: shard k runs --shard k/{n}")
    dirs = [arg_after(a, "--report-dir") for a in runs.values()]
    check(None not in dirs and len(set(dirs)) == len(dirs), f"{name}: each shard has its own report directory")
    plans = {tuple(plan_of(a)) for a in runs.values()}
    check(len(plans) == 1, f"{name}: every shard runs the same plan")
    check(all(a[:1] == ["run"] for a in runs.values()), f"{name}: shards run `mailspec run`")
    return dirs


def no_password_in(name, text):
    check("MAILSPEC_PASSWORD" not in text and "--password" not in text,
          f"{name}: no password on any command line")


def github(path):
    wf = yaml.safe_load(open(path))
    check(isinstance(wf, dict) and "jobs" in wf, "github: a workflow with jobs")
    n = int(wf["env"]["SHARDS"])
    shard = wf["jobs"]["shard"]
    check(shard["strategy"]["matrix"]["shard"] == list(range(1, n + 1)), f"github: matrix shard = 1..{n}")
    check(shard["strategy"].get("fail-fast") is False, "github: fail-fast off (findings in one shard cancel none)")
    step = next(s for s in shard["steps"] if "mailspec run" in s.get("run", ""))
    check(step["env"]["MAILSPEC_PASSWORD"].startswith("${{ secrets."), "github: the password is a secret in env")
    runs = {}
    for k in range(1, n + 1):
        script = step["run"].replace("${{ matrix.shard }}", str(k)).replace("${{ env.SHARDS }}", str(n))
        script = "\n".join(line for line in script.splitlines() if not line.startswith(("apt-get", "chmod")))
        _, calls, err = run_stubbed(script, "bin/mailspec", {"SHARDS": str(n), "MAILSPEC_TARGET": "t"})
        if check(len(calls) == 1, f"github: shard {k} runs mailspec once {err.strip()}"):
            runs[k] = calls[0]
    no_password_in("github", step["run"])
    dirs = check_shards("github", runs, n)
    uploads = [s for s in shard["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    check(uploads and uploads[0].get("if") == "always()", "github: the shard report is uploaded even with findings")
    merge = wf["jobs"]["merge"]
    check("shard" in merge["needs"] and merge.get("if") == "always()", "github: merge needs the shards, runs always")
    mstep = next(s for s in merge["steps"] if "mailspec merge" in s.get("run", ""))
    check("shards/*/report.json" in mstep["run"], "github: merge joins every downloaded shard report")
    down = next(s for s in merge["steps"] if s.get("with", {}).get("pattern"))
    up_name = uploads[0]["with"]["name"].replace("${{ matrix.shard }}", "*")
    check(down["with"]["pattern"] == up_name, "github: merge downloads the artifacts the shards upload")
    return dirs


def gitlab(path):
    ci = yaml.safe_load(open(path))
    n = int(ci["variables"]["SHARDS"])
    job_name, job = next((k, v) for k, v in ci.items() if isinstance(v, dict) and "parallel" in v)
    matrix = job["parallel"]["matrix"]
    check(len(matrix) == 1 and matrix[0]["SHARD"] == [str(k) for k in range(1, n + 1)],
          f"gitlab: parallel:matrix SHARD = 1..{n}")
    line = next(s for s in job["script"] if "mailspec run" in s)
    runs = {}
    for k in range(1, n + 1):
        _, calls, err = run_stubbed(line, "build/mailspec", {"SHARD": str(k), "SHARDS": str(n), "MAILSPEC_TARGET": "t"})
        if check(len(calls) == 1, f"gitlab: shard {k} runs mailspec once {err.strip()}"):
            runs[k] = calls[0]
    no_password_in("gitlab", "\n".join(job["script"]))
    check_shards("gitlab", runs, n)
    check(job["artifacts"].get("when") == "always", "gitlab: shard reports are kept even with findings")
    merge = next(v for v in ci.values() if isinstance(v, dict) and any("mailspec merge" in s for s in v.get("script", [])))
    check(job_name in merge["needs"] and merge.get("when") == "always", "gitlab: merge needs the matrix job, runs always")
    mline = next(s for s in merge["script"] if "mailspec merge" in s)
    glob = shlex.split(mline)[2]
    kept = job["artifacts"]["paths"][0].replace("$SHARD", "*")
    check(glob == kept, f"gitlab: merge joins the reports the shards keep ({glob})")


def kubernetes(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    jobs = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "Job"}
    shard = next(j for j in jobs.values() if j["spec"].get("completionMode") == "Indexed")
    merge = next(j for j in jobs.values() if j is not shard)
    n = shard["spec"]["completions"]
    c = shard["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in c["env"]}
    check(env["SHARDS"]["value"] == str(n), f"kubernetes: SHARDS = completions = {n}")
    check("secretKeyRef" in env["MAILSPEC_PASSWORD"].get("valueFrom", {}), "kubernetes: the password from a Secret")
    check(shard["spec"]["template"]["spec"]["restartPolicy"] == "Never", "kubernetes: restartPolicy Never")
    script = c["args"][0]
    no_password_in("kubernetes", script)
    with tempfile.TemporaryDirectory() as reports:
        runs = {}
        for i in range(n):
            rc, calls, err = run_stubbed(script.replace("/reports", reports), "mailspec",
                                         {"JOB_COMPLETION_INDEX": str(i), "SHARDS": str(n), "MAILSPEC_TARGET": "t"},
                                         shell="sh")
            check(rc == 0, f"kubernetes: pod {i} exits 0 once its report is written (findings recorded) {err.strip()}")
            if check(len(calls) == 1, f"kubernetes: pod {i} runs mailspec once"):
                runs[i + 1] = calls[0]
        dirs = check_shards("kubernetes", runs, n)
        check(all(open(os.path.join(d, "exit-code")).read().strip() == "1" for d in dirs if d),
              "kubernetes: each shard records mailspec's exit code")
        m = merge["spec"]["template"]["spec"]["containers"][0]
        menv = {e["name"]: e.get("value") for e in m["env"]}
        check(menv.get("SHARDS") == str(n), f"kubernetes: the merge Job waits for {n} shards")
        _, calls, err = run_stubbed(m["args"][0].replace("/reports", reports).replace("sleep 5", "exit 3"),
                                    "mailspec", {"SHARDS": str(n)}, shell="sh")
        if check(len(calls) == 1 and calls[0][:1] == ["merge"], f"kubernetes: the merge Job runs mailspec merge {err.strip()}"):
            inputs = [a for a in calls[0] if a.endswith("report.json")]
            check(sorted(inputs) == sorted(os.path.join(d, "report.json") for d in dirs),
                  "kubernetes: merge joins every shard's report")


def main():
    d = sys.argv[1]
    for name, fn in (("github-actions.yml", github), ("gitlab-ci.yml", gitlab),
                     ("kubernetes-indexed-job.yaml", kubernetes)):
        path = os.path.join(d, name)
        if not check(os.path.isfile(path), f"{name} exists"):
            continue
        try:
            fn(path)
        except (yaml.YAMLError, KeyError, StopIteration, TypeError, ValueError, IndexError) as e:
            check(False, f"{name}: {type(e).__name__}: {e}")
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
