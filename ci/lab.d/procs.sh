# shellcheck shell=bash
# Sourced by ci/lab. Process bookkeeping: the lab records every server process
# it starts as "PID STARTTIME ROLE" lines in $LAB/pids (STARTTIME is field 22 of
# /proc/PID/stat, so a recycled PID is never mistaken for ours). `down` stops
# recorded processes, their current descendants and members of the sessions the
# masters created (both masters call setsid()), checking identity each time.

# shellcheck disable=SC2034  # PROC_PPID and PROC_SID are for callers
# proc_read PID: sets PROC_STATE, PROC_PPID, PROC_SID, PROC_START from /proc/PID/stat
# without forking; fails if PID is gone.
proc_read() {
  local stat rest
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  [ -n "$stat" ] || return 1
  rest=${stat##*) }
  # shellcheck disable=SC2086
  set -- $rest
  PROC_STATE=$1 PROC_PPID=$2 PROC_SID=$4 PROC_START=${20}
}

proc_starttime() {
  proc_read "$1" || return 1
  echo "$PROC_START"
}

# True when PID is alive (not a zombie) and still the process recorded with
# STARTTIME. Zombies count as gone: orphans wait for this VM's init to reap them.
proc_same() {
  proc_read "$1" || return 1
  [ "$PROC_STATE" != Z ] && [ "$PROC_START" = "$2" ]
}

procs_record() {  # PIDS_FILE PID ROLE
  local st
  st=$(proc_starttime "$2") || return 1
  echo "$2 $st $3" >>"$1"
}

# procs_related PID STARTTIME -> prints "PID STARTTIME" of PID's live
# descendants and of processes in the session PID leads, started after it.
procs_related() {
  local root=$1 root_st=$2 line rest p q depth
  declare -A parent=() start=() session=()
  # One read of every stat line; comm may hold spaces, so split after ") ".
  while IFS= read -r line; do
    p=${line%% *}; rest=${line##*) }
    # shellcheck disable=SC2086
    set -- $rest
    parent[$p]=$2; session[$p]=$4; start[$p]=${20}
  done < <(cat /proc/[0-9]*/stat 2>/dev/null)
  for p in "${!parent[@]}"; do
    [ "$p" = "$root" ] && continue
    [ "${start[$p]}" -ge "$root_st" ] || continue
    if [ "${session[$p]}" = "$root" ]; then echo "$p ${start[$p]}"; continue; fi
    q=${parent[$p]} depth=0
    while [ -n "$q" ] && [ "$q" != 0 ] && [ "$q" != 1 ] && [ $depth -lt 64 ]; do
      if [ "$q" = "$root" ]; then echo "$p ${start[$p]}"; break; fi
      q=${parent[$q]:-}; depth=$((depth + 1))
    done
  done
}

# procs_stop PIDS_FILE: SIGTERM masters, then the rest, wait up to ~5 s (the
# Dovecot master takes about 1 s to exit), then SIGKILL whatever
# of ours is left. Idempotent; removes PIDS_FILE when done.
procs_stop() {
  local file=$1 pid st role i alive p pst
  [ -f "$file" ] || return 0
  declare -A targets=()
  local -a masters=()
  while read -r pid st role; do
    [ -n "$pid" ] || continue
    proc_same "$pid" "$st" || continue
    targets[$pid]=$st
    case $role in *master) masters+=("$pid") ;; esac
    while read -r p pst; do targets[$p]=$pst; done < <(procs_related "$pid" "$st")
  done <"$file"
  for pid in "${masters[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for i in $(seq 1 100); do
    alive=0
    for pid in "${!targets[@]}"; do
      proc_same "$pid" "${targets[$pid]}" && { alive=1; break; }
    done
    [ $alive = 0 ] && break
    # Non-master children are told too once the masters had a moment.
    if [ "$i" = 2 ]; then
      for pid in "${!targets[@]}"; do
        if proc_same "$pid" "${targets[$pid]}"; then kill -TERM "$pid" 2>/dev/null || true; fi
      done
    fi
    sleep 0.05
  done
  for pid in "${!targets[@]}"; do
    if proc_same "$pid" "${targets[$pid]}"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  rm -f "$file"
}
