# Neo4j 5.26 community runs embedded in a small Java launcher (localstack/neo4j), built from Maven
# Central jars, so neither Docker nor a Neo4j tarball is needed. Optional settings: NEO4J_HEAP (2g),
# NEO4J_JAVA_OPTS (extra JVM flags); NEO4J_PAGECACHE, NEO4J_TX_MEMORY_TOTAL, NEO4J_TX_MEMORY_MAX are read
# by the launcher itself.

_neo4j_src() { printf '%s\n' "$ROOT/localstack/neo4j"; }
_neo4j_dist() { printf '%s\n' "$VIGIL_HOME/tools/neo4j"; }
_neo4j_readyfile() { printf '%s\n' "$VIGIL_HOME/run/neo4j.ready"; }

# Version as pinned in the pom, so the description never drifts from what is built.
_neo4j_version() {
  sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$(_neo4j_src)/pom.xml" | head -n 1
}

# Hash of every build input (paths included, so renames count too).
_neo4j_build_hash() {
  (cd "$(_neo4j_src)" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -d ' ' -f 1
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
  echo "Neo4j $(_neo4j_version) community (embedded) bolt://127.0.0.1:${NEO4J_BOLT_PORT}"
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

  require_tool java "Neo4j needs a Java 17+ runtime (apt-get install openjdk-17-jdk-headless)"
  require_tool mvn "Neo4j's jars are resolved with Maven (apt-get install maven)"

  echo "==> neo4j: building the $(_neo4j_version) launcher from Maven Central (first run only)"
  build="$VIGIL_HOME/tools/neo4j-build"
  stage="$dist.new"
  log="$VIGIL_HOME/logs/neo4j-build.log"
  mkdir -p "$VIGIL_HOME/tools" "$VIGIL_HOME/logs"
  # A fresh build dir keeps jars of a previous Neo4j version out of lib/.
  rm -rf "$build" "$stage"
  if ! mvn -B -q -Dstyle.color=never -f "$src/pom.xml" \
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
  ensure_port_free "$NEO4J_BOLT_PORT" NEO4J_BOLT_PORT neo4j
  local dist
  dist="$(_neo4j_dist)"
  mkdir -p "$VIGIL_HOME/data/neo4j"
  rm -f "$(_neo4j_readyfile)"
  # Flags mirror what Neo4j's own launcher passes (netty/page cache need the opens). The page cache (256m)
  # and Netty buffers live outside the heap; 2g of heap because with 1g, concurrent UNWIND … MERGE batches
  # of 5,000 events drove G1 into back-to-back 0.3–0.6 s collections that cut graph ingest by up to 4x.
  local -a jvm=(
    -Xms256m "-Xmx${NEO4J_HEAP:-2g}"
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
  # The password reaches the launcher through the (exported) environment, never argv, which `ps` shows.
  start_daemon neo4j java "${jvm[@]}" ${extra[@]+"${extra[@]}"} \
    -cp "$dist/vigil-neo4j-launcher.jar:$dist/lib/*" dev.vigil.neo4j.Neo4jLauncher \
    --home="$VIGIL_HOME/data/neo4j" --bolt-host=127.0.0.1 --bolt-port="$NEO4J_BOLT_PORT" \
    --ready-file="$(_neo4j_readyfile)"
}

# Healthy = our JVM is alive, it has written the ready file (databases available, user neo4j has
# NEO4J_PASSWORD) and a Bolt server answers the handshake on the port.
neo4j_healthy() {
  alive neo4j || return 1
  local readyfile
  readyfile="$(_neo4j_readyfile)"
  [[ -s "$readyfile" && "$(<"$readyfile")" == "$(pid_of neo4j)" ]] || return 1
  _neo4j_bolt_handshake "$NEO4J_BOLT_PORT"
}
