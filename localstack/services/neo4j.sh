# shellcheck shell=bash
# Neo4j service module for the Vigil local stack: sourced by the launcher, defines functions only.
#
# Neo4j 5.26 community runs embedded in a small Java launcher (localstack/neo4j), built from Maven
# Central jars, so neither Docker nor a Neo4j tarball is needed.
#
# Uses (provided by the launcher): ROOT, VIGIL_HOME, NEO4J_BOLT_PORT (7687), NEO4J_PASSWORD.
# Optional: NEO4J_HEAP (1g), NEO4J_JAVA_OPTS (extra JVM flags), NEO4J_PAGECACHE (256m),
#           NEO4J_TX_MEMORY_TOTAL (512m), NEO4J_TX_MEMORY_MAX (256m) — the last three are read by the JVM.
# Everything here must stay safe under the caller's `set -euo pipefail`.

_neo4j_src() { printf '%s\n' "$ROOT/localstack/neo4j"; }
_neo4j_dist() { printf '%s\n' "$VIGIL_HOME/tools/neo4j"; }
_neo4j_port() { printf '%s\n' "${NEO4J_BOLT_PORT:-7687}"; }
_neo4j_pidfile() { printf '%s\n' "$VIGIL_HOME/run/neo4j.pid"; }
_neo4j_readyfile() { printf '%s\n' "$VIGIL_HOME/run/neo4j.ready"; }
_neo4j_logfile() { printf '%s\n' "$VIGIL_HOME/logs/neo4j.log"; }

# Version as pinned in the pom, so the description never drifts from what is built.
_neo4j_version() {
  sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$(_neo4j_src)/pom.xml" | head -n 1
}

# Hash of every build input (paths included, so renames count too).
_neo4j_build_hash() {
  (cd "$(_neo4j_src)" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -d ' ' -f 1
}

# Prints the pid when the recorded JVM is alive, fails otherwise.
_neo4j_pid() {
  local pidfile pid
  pidfile="$(_neo4j_pidfile)"
  [[ -s "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse after a crash left a stale pid file.
  if [[ -r "/proc/$pid/cmdline" ]]; then
    grep -qa 'dev.vigil.neo4j.Neo4jLauncher' "/proc/$pid/cmdline" || return 1
  fi
  printf '%s\n' "$pid"
}

# Bolt handshake over bash's /dev/tcp: proves a Bolt server (not just any listener) owns the port.
# Offers 5.0-5.8 and 4.4; the server answers with the 4-byte version it picked, all zeros meaning none.
_neo4j_bolt_handshake() {
  local port="$1" reply
  # shellcheck disable=SC2016 # expanded by the inner shell
  reply="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x60\x60\xb0\x17\x00\x08\x08\x05\x00\x00\x04\x04\x00\x00\x00\x00\x00\x00\x00\x00" >&3
    head -c 4 <&3 | od -An -tx1 | tr -d " \n"
  ' _ "$port" 2>/dev/null)" || return 1
  [[ ${#reply} -eq 8 && "$reply" != "00000000" ]]
}

neo4j_describe() {
  echo "Neo4j $(_neo4j_version) community (embedded) bolt://127.0.0.1:$(_neo4j_port)"
}

neo4j_install() {
  local src dist stage build log hash
  src="$(_neo4j_src)"
  dist="$(_neo4j_dist)"
  hash="$(_neo4j_build_hash)"
  if [[ -f "$dist/.build-hash" && "$(<"$dist/.build-hash")" == "$hash" &&
        -f "$dist/vigil-neo4j-launcher.jar" && -d "$dist/lib" ]]; then
    return 0
  fi

  local tool
  for tool in java mvn; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "neo4j: '$tool' not found (needs a JDK 17+ and Maven)" >&2
      return 1
    fi
  done

  echo "==> neo4j: building the $(_neo4j_version) launcher from Maven Central (first run only)"
  build="$VIGIL_HOME/tools/neo4j-build"
  stage="$dist.new"
  log="$VIGIL_HOME/logs/neo4j-build.log"
  mkdir -p "$VIGIL_HOME/tools" "$VIGIL_HOME/logs"
  # A fresh build dir keeps jars of a previous Neo4j version out of lib/.
  rm -rf "$build" "$stage"
  if ! mvn -B -q -f "$src/pom.xml" \
      -Dmaven.repo.local="$VIGIL_HOME/tools/m2" \
      -Dvigil.build.dir="$build" \
      package >"$log" 2>&1; then
    echo "neo4j: maven build failed; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    return 1
  fi

  # Stage then swap, so an interrupted install never leaves a half-copied lib/ behind a valid marker.
  mkdir -p "$stage"
  cp "$build/vigil-neo4j-launcher.jar" "$stage/"
  cp -R "$build/lib" "$stage/lib"
  printf '%s\n' "$hash" >"$stage/.build-hash"
  rm -rf "$dist"
  mv "$stage" "$dist"
  rm -rf "$build"
}

neo4j_start() {
  local dist port pidfile readyfile log home
  dist="$(_neo4j_dist)"
  port="$(_neo4j_port)"
  pidfile="$(_neo4j_pidfile)"
  readyfile="$(_neo4j_readyfile)"
  log="$(_neo4j_logfile)"
  home="$VIGIL_HOME/data/neo4j"

  if _neo4j_pid >/dev/null; then
    return 0 # already running
  fi
  if [[ ! -f "$dist/vigil-neo4j-launcher.jar" ]]; then
    echo "neo4j: launcher not built; run neo4j_install first" >&2
    return 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "neo4j: port $port is already in use by another process" >&2
    return 1
  fi

  mkdir -p "$home" "$(dirname "$pidfile")" "$(dirname "$log")"
  rm -f "$readyfile" "$pidfile"
  printf '\n==== neo4j start %s ====\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$log"

  # Flags mirror what Neo4j's own launcher passes (netty/page cache need the opens); heap is kept
  # modest because the page cache (256m) and Netty buffers live outside it.
  local -a jvm=(
    -Xms256m "-Xmx${NEO4J_HEAP:-1g}"
    -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow
    -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
    -Dlog4j2.disable.jmx=true
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  )
  local -a extra=()
  if [[ -n "${NEO4J_JAVA_OPTS:-}" ]]; then
    read -r -a extra <<<"$NEO4J_JAVA_OPTS"
  fi

  # setsid gives the JVM its own process group (pgid == pid), so the launcher can stop it with
  # `kill -TERM -- -<pid>`. The inner shell records its own pid before exec'ing java, which stays
  # correct even when setsid has to fork. The password goes through the environment, not argv (ps).
  # shellcheck disable=SC2016 # expanded by the inner shell
  NEO4J_PASSWORD="${NEO4J_PASSWORD:-vigil-local-dev}" \
    setsid bash -c 'pidfile="$1"; shift; echo "$$" >"$pidfile"; exec "$@"' _ "$pidfile" \
    java "${jvm[@]}" ${extra[@]+"${extra[@]}"} \
    -cp "$dist/vigil-neo4j-launcher.jar:$dist/lib/*" dev.vigil.neo4j.Neo4jLauncher \
    --home="$home" --bolt-host=127.0.0.1 --bolt-port="$port" --ready-file="$readyfile" \
    </dev/null >>"$log" 2>&1 &

  # Wait briefly for the pid file so callers can rely on it right after start returns.
  local _
  for _ in {1..50}; do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  echo "neo4j: JVM did not start; see $log" >&2
  return 1
}

# Healthy = our JVM is alive, it has written the ready file (databases available, user neo4j has
# NEO4J_PASSWORD) and a Bolt server answers the handshake on the port.
neo4j_healthy() {
  local pid readyfile
  pid="$(_neo4j_pid)" || return 1
  readyfile="$(_neo4j_readyfile)"
  [[ -s "$readyfile" && "$(<"$readyfile")" == "$pid" ]] || return 1
  _neo4j_bolt_handshake "$(_neo4j_port)"
}

# SIGTERM to the process group; the JVM's shutdown hook checkpoints and closes the store.
neo4j_stop() {
  local pid _
  pid="$(_neo4j_pid)" || { rm -f "$(_neo4j_pidfile)" "$(_neo4j_readyfile)"; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in {1..600}; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "neo4j: still running after 60s, sending SIGKILL" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(_neo4j_pidfile)" "$(_neo4j_readyfile)"
}
