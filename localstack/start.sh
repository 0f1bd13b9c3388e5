#!/usr/bin/env bash
# `make start`, once the stack is up: builds the investigation page, serves it on 127.0.0.1:WEB_PORT
# (Vite's preview server, forwarding /v1, /openapi.json and /health to serverless offline), and runs
# `serverless offline start` in the foreground (HTTP API, schedules, Kafka triggers). Ctrl-C stops both.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
load_settings

ensure_port_free "$WEB_PORT" WEB_PORT web
ensure_port_free "$OFFLINE_HTTP_PORT" OFFLINE_HTTP_PORT "serverless offline"
say "web: building the investigation page (web/dist)"
npm --prefix "$ROOT/web" run --silent build >"$VIGIL_HOME/logs/web-build.log" 2>&1 \
  || { tail -n 30 "$VIGIL_HOME/logs/web-build.log" >&2; die "web: vite build failed (log: $VIGIL_HOME/logs/web-build.log)"; }
VIGIL_API_URL="http://127.0.0.1:$OFFLINE_HTTP_PORT" WEB_PORT="$WEB_PORT" \
  npm --prefix "$ROOT/web" run --silent preview >"$VIGIL_HOME/logs/web.log" 2>&1 &
web_pid=$!
trap 'kill "$web_pid" 2>/dev/null || true' EXIT
say "web: the investigation page is on http://127.0.0.1:$WEB_PORT (API key: make api-key)"
cd "$ROOT"
npx serverless offline start
