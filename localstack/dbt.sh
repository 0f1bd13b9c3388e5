#!/usr/bin/env bash
# dbt for the warehouse (warehouse/): installs dbt Core + dbt-postgres on first use, then runs dbt there.
#   dbt.sh <dbt command> [args...]   e.g. `dbt.sh build`, `dbt.sh docs generate`, `dbt.sh source freshness`
#   dbt.sh --install                 install only (what the integration test calls before its first build)
#
# The versions are the pins of warehouse/requirements.txt (the whole dependency set); they are installed from
# PyPI into a venv under VIGIL_HOME/tools/dbt-<dbt-core version>, marked with a fingerprint of that file and
# the Python used, so every later run starts dbt at once and a changed pin set means a fresh venv.
# The connection comes from DATABASE_URL (the settings: environment > .env > .env.example), split here into
# the variables warehouse/profiles.yml reads, so no host, user or password is written in a file.
# Optional: DBT_PYTHON (a Python >= 3.11 to build the venv with; default python3),
# VIGIL_DBT_SCHEMA_PREFIX (models land in <prefix>staging and <prefix>marts; a test's own schemas).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

DBT_REQUIREMENTS="$ROOT/warehouse/requirements.txt"
DBT_VERSION=$(sed -n 's/^dbt-core==//p' "$DBT_REQUIREMENTS")

_dbt_dir() { printf '%s\n' "$VIGIL_HOME/tools/dbt-$DBT_VERSION"; }

# Prints a Python >= 3.11: the pins were resolved on 3.11, and an older one would need other backports.
_dbt_python() {
  local candidate=${DBT_PYTHON:-python3}
  "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 || return 1
  "$candidate" -c 'import sys; print(sys.executable)'
}

# What the marker records: the pin set and the interpreter's version (a vanished or upgraded interpreter
# leaves venv/bin/python dangling or mismatched, so it means a fresh venv too).
_dbt_stamp() { # python
  printf 'dbt-core==%s requirements=%s python=%s\n' "$DBT_VERSION" "$(fingerprint "$DBT_REQUIREMENTS")" \
    "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
}

# Import the adapter and the CLI, so a broken install fails at install time.
_dbt_verify() { "$1/bin/python" -c 'import dbt.adapters.postgres, dbt.cli.main'; }

dbt_install() {
  local python
  [[ -n "$DBT_VERSION" ]] || die "warehouse/requirements.txt pins no dbt-core==<version>"
  python="$(_dbt_python)" || die "dbt $DBT_VERSION needs Python 3.11 or newer with venv (python3 here is $(python3 -V 2>&1)); point DBT_PYTHON at one"
  python_tool_install dbt "$python" "$(_dbt_dir)" dbt "$(_dbt_stamp "$python")" \
    "dbt-core $DBT_VERSION + dbt-postgres" "$DBT_REQUIREMENTS" _dbt_verify
}

# Splits DATABASE_URL into what profiles.yml reads. The password goes in a DBT_ENV_SECRET_ variable: dbt
# accepts those only in profiles.yml and scrubs their values from its logs and errors.
dbt_connection() {
  local exports
  exports=$("$(_dbt_dir)/venv/bin/python" - <<'PY'
import os, shlex, sys
from urllib.parse import unquote, urlsplit

url = urlsplit(os.environ.get("DATABASE_URL", ""))
if url.scheme not in ("postgres", "postgresql") or not url.path.strip("/"):
    sys.exit("DATABASE_URL must look like postgres://user:password@host:port/database")
values = {
    "VIGIL_PG_HOST": url.hostname or "127.0.0.1",
    "VIGIL_PG_PORT": str(url.port or 5432),
    "VIGIL_PG_USER": unquote(url.username or ""),
    "DBT_ENV_SECRET_PG_PASSWORD": unquote(url.password or ""),
    "VIGIL_PG_DBNAME": unquote(url.path.strip("/")),
}
for name, value in values.items():
    print(f"export {name}={shlex.quote(value)}")
PY
  ) || die "dbt: cannot read the setting DATABASE_URL"
  eval "$exports"
}

main() {
  [ $# -gt 0 ] || { sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
  load_settings
  dbt_install
  [ "$1" = --install ] && return 0
  dbt_connection
  # A local database that is down fails here with the cure, not after dbt's own connection retries.
  if [[ "$VIGIL_PG_HOST" == 127.0.0.1 || "$VIGIL_PG_HOST" == localhost ]] && ! port_open "$VIGIL_PG_PORT"; then
    die "dbt: nothing answers on $VIGIL_PG_HOST:$VIGIL_PG_PORT (DATABASE_URL): start the local stack with 'make up'"
  fi
  # From inside warehouse/, dbt finds dbt_project.yml and profiles.yml there with no flags.
  cd "$ROOT/warehouse"
  exec "$(_dbt_dir)/venv/bin/dbt" "$@"
}

main "$@"
