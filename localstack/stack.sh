#!/usr/bin/env bash
# The native local stack: Kafka, LocalStack, PostgreSQL and Neo4j on loopback, no Docker needed.
#   stack.sh up [service...]   install what is missing, start what is not running, wait until healthy, init
#   stack.sh down [service...] stop every service this stack started (or the ones named)
#   stack.sh reset             down, then wipe every service's data (tools stay cached)
#   stack.sh status            one line per service; exit 1 unless all are healthy
#   stack.sh logs [service]    follow the logs (all, or one service)
#   stack.sh init              bucket, topics, migrations, constraints, secrets (run by up; for Docker users)
#   stack.sh run -- cmd...     run a command with the resolved settings in its environment
#   stack.sh node              the directory to put first on PATH for Vigil's Node.js (empty: PATH has it)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
SERVICES=(postgres kafka neo4j localstack)
for service in "${SERVICES[@]}"; do
  source "$ROOT/localstack/services/$service.sh"
done

pick_services() { # sets PICKED: the named services, or all; rejects unknown names
  PICKED=("$@")
  [ $# -gt 0 ] || PICKED=("${SERVICES[@]}")
  local name
  for name in "${PICKED[@]}"; do
    [[ " ${SERVICES[*]} " == *" $name "* ]] || die "unknown service '$name' (one of: ${SERVICES[*]})"
  done
}

cmd_up() {
  local wanted name
  pick_services "$@"
  wanted=("${PICKED[@]}")
  for name in "${wanted[@]}"; do "${name}_install"; done
  for name in "${wanted[@]}"; do
    if alive "$name"; then
      continue
    fi
    say "$name: starting"
    "${name}_start"
  done
  for name in "${wanted[@]}"; do
    local timeout=120
    wait_healthy "$name" "$timeout" || die "$name did not become healthy (logs: $VIGIL_HOME/logs/$name.log)"
    say "$name: healthy — $("${name}_describe")"
  done
  if [[ " ${wanted[*]} " == *" postgres "* ]]; then postgres_ready; fi
  if [ ${#wanted[@]} -eq ${#SERVICES[@]} ]; then cmd_init; fi
}

# Idempotent; also what Docker users run against localstack/docker-compose.yml.
cmd_init() {
  say "init: bucket, topics, migrations, graph constraints, secrets"
  (cd "$ROOT" && node --import tsx localstack/init/index.ts) || die "init failed (see the message above)"
}

cmd_down() {
  local name
  pick_services "$@"
  for name in "${PICKED[@]}"; do
    if alive "$name"; then
      say "$name: stopping"
      stop_daemon "$name"
    else
      rm -f "$VIGIL_HOME/run/$name.pid"
    fi
  done
}

cmd_reset() {
  cmd_down
  say "reset: wiping $VIGIL_HOME/data"
  rm -rf "$VIGIL_HOME/data"
  mkdir -p "$VIGIL_HOME/data"
}

cmd_status() {
  local name state healthy=0
  for name in "${SERVICES[@]}"; do
    if "${name}_healthy" 2>/dev/null; then
      state="healthy"
      healthy=$((healthy + 1))
    elif alive "$name"; then
      state="starting/unhealthy"
    else
      state="stopped"
    fi
    printf '%-11s %-19s pid %-8s %s\n' "$name" "$state" "$(pid_of "$name" || true)" "$("${name}_describe" 2>/dev/null)"
  done
  echo "$healthy of ${#SERVICES[@]} services healthy"
  [ "$healthy" -eq "${#SERVICES[@]}" ]
}

cmd_logs() {
  local files=() name
  pick_services "$@"
  for name in "${PICKED[@]}"; do files+=("$VIGIL_HOME/logs/$name.log"); done
  exec tail -n 50 -F "${files[@]}"
}

main() {
  local command=${1:-}
  [ $# -gt 0 ] && shift
  load_settings
  case "$command" in
    up) cmd_up "$@" ;;
    init) cmd_init ;;
    down) cmd_down "$@" ;;
    reset) cmd_reset ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    node) printf '%s\n' "$VIGIL_NODE_DIR" ;;
    run)
      [ "${1:-}" = "--" ] && shift
      [ $# -gt 0 ] || die "usage: stack.sh run -- command [args...]"
      exec "$@"
      ;;
    *) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; [ -z "$command" ] || exit 2 ;;
  esac
}

main "$@"
