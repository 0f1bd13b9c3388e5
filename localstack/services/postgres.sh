# PostgreSQL from Debian's packages, run as its own cluster under VIGIL_HOME on 127.0.0.1 only (no socket
# in /var/run, no system service). Postgres refuses to run as root, so as root it runs as `postgres`.

pg_bindir() { find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1; }

pg_as_owner() { # runs a command as the user that owns the cluster
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_install() {
  [ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/postgres" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 \
      || die "PostgreSQL is not installed and this user cannot install it: run 'apt-get install postgresql' as root"
    say "postgres: installing PostgreSQL from Debian's packages (sudo apt-get install postgresql)"
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
      || die "postgres: apt-get install postgresql failed"
  else
    require_tool apt-get "PostgreSQL comes from Debian's packages; install PostgreSQL 15+ by other means and put its bin/ under /usr/lib/postgresql"
    say "postgres: installing PostgreSQL from Debian's packages (first run only)"
    local log="$VIGIL_HOME/logs/postgres-install.log"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        postgresql postgresql-contrib; } >"$log" 2>&1 \
      || { tail -n 20 "$log" >&2; die "postgres: apt-get install postgresql failed (log: $log)"; }
  fi
  # The Debian package starts a system cluster on 5432; ours is separate, so stop that one.
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
      pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
    done
  fi
}

postgres_start() {
  ensure_port_free "$POSTGRES_PORT" POSTGRES_PORT postgres
  local bin data="$VIGIL_HOME/data/postgres" sock="$VIGIL_HOME/run/postgres"
  bin=$(pg_bindir)
  mkdir -p "$sock"
  if [ "$(id -u)" = 0 ]; then
    # The cluster's folders belong to `postgres`; every parent must let it through.
    chmod o+x "$VIGIL_HOME" "$VIGIL_HOME/data" "$VIGIL_HOME/run"
    chown postgres "$sock"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres "$data"; fi
    chmod 700 "$data"
    local pwfile="$sock/pwfile"
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    if [ "$(id -u)" = 0 ]; then chown postgres "$pwfile"; fi
    pg_as_owner "$bin/initdb" -D "$data" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$VIGIL_HOME/logs/postgres-initdb.log" 2>&1 \
      || { rm -f "$pwfile"; cat "$VIGIL_HOME/logs/postgres-initdb.log" >&2; die "postgres: initdb failed"; }
    rm -f "$pwfile"
  fi
  local major
  major="$("$bin/postgres" --version | awk '{print $3}' | cut -d. -f1)"
  [ "${major:-0}" -ge 15 ] 2>/dev/null \
    || die "postgres: PostgreSQL ${major:-?} found under $bin; 15 or later is needed (lz4 WAL compression)"
  local as_owner=()
  if [ "$(id -u)" = 0 ]; then as_owner=(runuser -u postgres --); fi
  # For a 2-core, 8 GB+ machine running the whole stack; fsync stays on: the tests prove durability.
  # Tuned for ingest (batches of thousands of rows into tables with several indexes): shared buffers that
  # hold the hot index pages, so a backend rarely writes a dirty page out itself to find a free one; WAL
  # room for checkpoints by time rather than by volume (each checkpoint makes the next change of every
  # page write the whole page to WAL), and those full pages compressed.
  start_daemon postgres "${as_owner[@]}" "$bin/postgres" -D "$data" -p "$POSTGRES_PORT" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$sock" \
    -c shared_buffers=1GB -c max_connections=200 \
    -c max_wal_size=4GB -c checkpoint_timeout=15min -c wal_compression=lz4
}

postgres_healthy() {
  alive postgres && "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" 2>/dev/null
}

# Our database is created once the server answers (initdb only makes `postgres`).
postgres_ready() {
  local psql
  psql="$(pg_bindir)/psql"
  PGPASSWORD="$POSTGRES_PASSWORD" "$psql" -qtAX -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'" | grep -q 1 \
    || PGPASSWORD="$POSTGRES_PASSWORD" "$psql" -qX -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\""
}

postgres_describe() {
  echo "PostgreSQL $("$(pg_bindir)/postgres" --version 2>/dev/null | awk '{print $3}') 127.0.0.1:${POSTGRES_PORT}"
}
