/**
 * The fallback for hosts where systemd is not running (containers, minimal hosts, the loopback test
 * hosts): a small POSIX sh supervisor started with setsid, one per service, that restarts its program
 * after a failure (like Restart=on-failure), raises the file limit and sets best-effort I/O priority 0
 * where it can. Pid files and the program's stdout/stderr log live in the service's run folder; the log
 * is rotated when it passes 64 MiB (one old copy, service.log.1), so a week-long soak cannot fill the disk.
 *
 *   etcdlab-svc.sh start  DIR MARKER ENVFILE|- NOFILE IO(0|1) -- ARGV...   idempotent: no-op when running
 *   etcdlab-svc.sh stop   DIR MARKER                                      supervisor first, then the program
 *   etcdlab-svc.sh status DIR MARKER                                      one line: state=... supervisor=... main=...
 *
 * A pid file is trusted only when /proc/<pid>/cmdline has MARKER as one whole argument (a config or log
 * path unique to the service), so a reused pid never gets a signal from us. The script is constant
 * text: inventory values reach it only as positional arguments, quoted by the SSH layer.
 */
export const SUPERVISOR_SCRIPT = String.raw`#!/bin/sh
# etcdlab service supervisor (fallback where systemd is not running). Written by etcdlab.
set -u

# alive PIDFILE MARKER -> prints the pid and succeeds when that process runs with MARKER in its argv
alive() {
  [ -r "$1" ] || return 1
  read -r p < "$1" 2>/dev/null || return 1
  case "$p" in ''|*[!0-9]*) return 1 ;; esac
  [ -r "/proc/$p/cmdline" ] || return 1
  tr '\000' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$2" || return 1
  echo "$p"
}

# waitgone PID SECONDS
waitgone() {
  n=0
  while kill -0 "$1" 2>/dev/null; do
    [ "$n" -ge $(($2 * 10)) ] && return 1
    sleep 0.1; n=$((n + 1))
  done
  return 0
}

# stop_all: the supervisor first (so it does not restart the program), then the program itself.
stop_all() {
  if sup=$(alive "$dir/supervisor.pid" "$marker"); then
    kill -TERM "$sup" 2>/dev/null
    waitgone "$sup" 30 || kill -KILL "$sup" 2>/dev/null
  fi
  if main=$(alive "$dir/main.pid" "$marker"); then
    kill -TERM "$main" 2>/dev/null
    waitgone "$main" 30 || { kill -KILL "$main" 2>/dev/null; waitgone "$main" 5; }
  fi
  rm -f "$dir/supervisor.pid" "$dir/main.pid"
}

# rotate_log: copy and truncate once the log passes its limit. The program appends (>>), so it goes on
# writing at the new end; lines written between the copy and the truncation are the only loss.
rotate_log() {
  size=$(wc -c < "$dir/service.log" 2>/dev/null) || return 0
  [ "$size" -gt "$log_max" ] || return 0
  cp "$dir/service.log" "$dir/service.log.1" 2>/dev/null && : > "$dir/service.log"
}

supervise() {
  dir=$1; marker=$2; envfile=$3; nofile=$4; io=$5; shift 6
  echo $$ > "$dir/supervisor.pid"
  log_max=$(printenv ETCDLAB_SVC_LOG_MAX_BYTES) || log_max=
  log_check=$(printenv ETCDLAB_SVC_LOG_CHECK_S) || log_check=
  case "$log_max" in ''|*[!0-9]*) log_max=67108864 ;; esac
  case "$log_check" in ''|*[!0-9]*|0) log_check=10 ;; esac
  if [ "$envfile" != - ]; then set -a; . "$envfile"; set +a; fi
  ulimit -n "$nofile" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ "$io" = 1 ] && command -v ionice >/dev/null 2>&1; then ionice -c 2 -n 0 -p $$ >/dev/null 2>&1 || true; fi
  # The rotator ends with the supervisor: killed below, or on its own when the supervisor is gone.
  sup=$$
  # The first check waits a period: start counts the log's restart lines and must see them unrotated.
  ( while sleep "$log_check" && kill -0 "$sup" 2>/dev/null; do rotate_log; done ) </dev/null >/dev/null 2>&1 &
  rotator=$!
  stopping=; child=
  trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null; kill -TERM "$rotator" 2>/dev/null' TERM INT HUP
  while [ -z "$stopping" ]; do
    "$@" </dev/null >>"$dir/service.log" 2>&1 &
    child=$!
    echo "$child" > "$dir/main.pid"
    status=0
    wait "$child" || status=$?
    # wait returns early when a trapped signal arrives; wait until the program has really exited.
    while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
    rm -f "$dir/main.pid"
    [ -n "$stopping" ] && break
    if [ "$status" = 0 ]; then echo "etcdlab-svc: $(date -u +%FT%TZ) program exited cleanly; not restarting" >> "$dir/service.log"; break; fi
    echo "etcdlab-svc: $(date -u +%FT%TZ) program exited with status $status; restarting in 2 s" >> "$dir/service.log"
    sleep 2 & wait $! || true
  done
  kill -TERM "$rotator" 2>/dev/null; wait "$rotator" 2>/dev/null
  rm -f "$dir/supervisor.pid"
}

[ $# -ge 3 ] && cmd=$1 || { echo "usage: $0 start|stop|status|supervise DIR MARKER ..." >&2; exit 2; }
shift
dir=$1; marker=$2
case "$cmd" in
  start)
    [ $# -ge 7 ] && [ "$6" = -- ] || { echo "usage: $0 start DIR MARKER ENVFILE NOFILE IO -- ARGV..." >&2; exit 2; }
    if sup=$(alive "$dir/supervisor.pid" "$marker"); then echo "state=running supervisor=$sup"; exit 0; fi
    mkdir -p "$dir"
    rm -f "$dir/supervisor.pid" "$dir/main.pid"
    exits=$(grep -c '^etcdlab-svc: ' "$dir/service.log" 2>/dev/null) || exits=0
    if command -v setsid >/dev/null 2>&1; then
      setsid /bin/sh "$0" supervise "$@" </dev/null >/dev/null 2>&1 &
    else
      nohup /bin/sh "$0" supervise "$@" </dev/null >/dev/null 2>&1 &
    fi
    n=0
    # Running means: its process is there and it has not exited since this start (a crash loop is no start).
    until main=$(alive "$dir/main.pid" "$marker") && [ "$n" -ge 5 ]; do
      now=$(grep -c '^etcdlab-svc: ' "$dir/service.log" 2>/dev/null) || now=0
      if [ "$now" -gt "$exits" ] || [ "$n" -ge 100 ]; then
        echo "the program did not start; last lines of $dir/service.log:" >&2; tail -n 20 "$dir/service.log" >&2 2>/dev/null; stop_all; exit 1
      fi
      n=$((n + 1)); sleep 0.1
    done
    echo "state=running supervisor=$(alive "$dir/supervisor.pid" "$marker" || echo ?) main=$main"
    ;;
  supervise)
    supervise "$@"
    ;;
  stop)
    stop_all
    echo "state=stopped"
    ;;
  status)
    sup=$(alive "$dir/supervisor.pid" "$marker") || sup=
    main=$(alive "$dir/main.pid" "$marker") || main=
    if [ -n "$sup" ] && [ -n "$main" ]; then echo "state=running supervisor=$sup main=$main"
    elif [ -n "$sup" ]; then echo "state=restarting supervisor=$sup"
    elif [ -n "$main" ]; then echo "state=unsupervised main=$main"
    elif [ -d "$dir" ]; then echo "state=stopped"
    else echo "state=missing"
    fi
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
`;

/** Parses the script's one-line answer (`state=running supervisor=12 main=34`). */
export function parseSvcStatus(out: string): { state: string; supervisor?: number; main?: number } {
  const line = out.trim().split('\n').pop() ?? '';
  const fields = Object.fromEntries(line.split(/\s+/).map((kv) => kv.split('=') as [string, string]));
  const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const sup = num(fields.supervisor);
  const main = num(fields.main);
  return { state: fields.state ?? 'unknown', ...(sup !== undefined ? { supervisor: sup } : {}), ...(main !== undefined ? { main } : {}) };
}
