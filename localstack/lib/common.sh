# Shared helpers of the native local stack: settings, pids, ports, waiting. Sourced by stack.sh.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

source "$ROOT/localstack/lib/node.sh"

# Settings come from one resolver shared with serverless.yml and the tests (localstack/settings.cjs). Any
# Node.js reads them; then the Node.js of Lambda's runtime line is put first on PATH (lib/node.sh).
load_settings() {
  command -v node >/dev/null 2>&1 ||
    die "node is not installed: Vigil needs Node.js ($VIGIL_NODE_LINE, or any with npm to fetch it; https://nodejs.org) on PATH"
  local exports
  exports=$(node "$ROOT/localstack/settings.cjs" --export) || die "could not read the settings (.env.example / .env)"
  eval "$exports"
  mkdir -p "$VIGIL_HOME"/{tools,data,logs,run}
  use_node
}

require_tool() { # name, what to do about it
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"
}

pid_of() { cat "$VIGIL_HOME/run/$1.pid" 2>/dev/null || true; }

alive() { # service — its process exists and is not a zombie (an orphan nobody reaped yet)
  local pid state
  pid=$(pid_of "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo Z)
  [ "$state" != Z ]
}

port_open() { # port — something accepts TCP connections on 127.0.0.1:port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port_holder() { # port — who listens there, for error messages
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$1" 2>/dev/null | sed -E 's/.*users:\(\("([^"]+)",pid=([0-9]+).*/\1 (pid \2)/' | head -1
  fi
}

# A port held by someone else is a setting problem, not ours to kill: name the port, its setting and the holder.
ensure_port_free() { # port, setting name, service
  if port_open "$1"; then
    local holder
    holder=$(port_holder "$1")
    die "$3 cannot start: port $1 ($2) is already in use${holder:+ by $holder}. Stop that process or set $2 to a free port in .env"
  fi
}

start_daemon() { # service, command... — runs detached in its own process group, output to its log
  local name=$1
  shift
  : >"$VIGIL_HOME/logs/$name.log"
  setsid "$@" >>"$VIGIL_HOME/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$VIGIL_HOME/run/$name.pid"
}

stop_daemon() { # service — SIGTERM to the group, then SIGKILL after a grace period
  local name=$1 pid
  pid=$(pid_of "$name")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      warn "$name did not stop within 30 s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$VIGIL_HOME/run/$name.pid"
}

wait_healthy() { # service, timeout seconds
  local name=$1 timeout=$2 waited=0
  while ! "${name}_healthy"; do
    if ! alive "$name"; then
      printf 'error: %s exited while starting; last lines of %s:\n' "$name" "$VIGIL_HOME/logs/$name.log" >&2
      tail -n 25 "$VIGIL_HOME/logs/$name.log" >&2
      return 1
    fi
    if [ "$waited" -ge "$((timeout * 2))" ]; then
      printf 'error: %s not healthy after %s s; last lines of %s:\n' "$name" "$timeout" "$VIGIL_HOME/logs/$name.log" >&2
      tail -n 25 "$VIGIL_HOME/logs/$name.log" >&2
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}

# Fingerprint of the files an install step is built from, so a changed recipe triggers a rebuild.
fingerprint() { cat "$@" | sha256sum | cut -c1-16; }

# Installs a pinned Python tool from PyPI into <dir>/venv, once. The marker holds <stamp> (the pin set and the
# interpreter's version), so a later run returns at once and changed pins mean a fresh venv; callers arriving
# together serialise on <dir>/.lock. <verify> is a function given the venv's path: a broken install fails
# here, not in the middle of its first use.
#   python_tool_install <name> <python> <dir> <executable> <stamp> <what> <requirements> <verify> [pip flags...]
python_tool_install() {
  local name=$1 python=$2 dir=$3 exe=$4 stamp=$5 what=$6 requirements=$7 verify=$8
  shift 8
  local venv="$dir/venv" marker="$dir/.installed" log="$dir/install.log"
  if [[ -x "$venv/bin/$exe" && "$(cat "$marker" 2>/dev/null)" == "$stamp" ]]; then return 0; fi
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9
  if [[ -x "$venv/bin/$exe" && "$(cat "$marker" 2>/dev/null)" == "$stamp" ]]; then
    exec 9>&-
    return 0
  fi
  say "$name: installing $what from PyPI into ${dir#"$ROOT"/} (first run only, under a minute)"
  rm -rf "$venv" "$marker"
  if ! {
    "$python" -m venv "$venv" &&
      "$venv/bin/pip" --disable-pip-version-check -q install "$@" -r "$requirements" &&
      "$verify" "$venv"
  } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "$name: install failed (full log: $log)"
  fi
  printf '%s\n' "$stamp" >"$marker"
  exec 9>&-
}
