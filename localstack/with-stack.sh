#!/usr/bin/env bash
# Runs a command with the local stack up and the settings in its environment. Starts the stack when it is
# not already healthy, and then stops it again afterwards — a stack the user had running stays running.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! bash "$here/stack.sh" status >/dev/null 2>&1; then
  trap 'bash "$here/stack.sh" down' EXIT
fi
bash "$here/stack.sh" up
bash "$here/stack.sh" run -- "$@"
