#!/usr/bin/env bash
# cfn-lint over the CloudFormation template `serverless package` builds for AWS (resources/ + the functions).
#   cfn-lint.sh [stage]      package the service for the stage (default prod) into a temporary folder and lint
#                            its template; fails on any error (warnings are printed, they do not fail)
#   cfn-lint.sh --template <file>  lint that template (e.g. .serverless/cloudformation-template-update-stack.json)
#   cfn-lint.sh --install    install only
#
# cfn-lint and its whole dependency set are pinned below, installed from PyPI into a venv under
# VIGIL_HOME/tools/cfn-lint-<version>, and marked with a fingerprint of the pins and the Python used, so every
# later run lints at once and a changed pin set means a fresh venv. Packaging needs no AWS account: the
# deploy settings (DEPLOY_* in .env.example) default to placeholders.
# Optional: CFN_LINT_PYTHON (a Python >= 3.11 to build the venv with; default python3).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

CFN_LINT_VERSION=1.58.0
# The full dependency set of cfn-lint 1.58.0 as PyPI resolved it on CPython 3.11 (networkx 3.6 needs 3.11);
# open-ended requirements would otherwise pull whatever is newest on the day.
_CFN_LINT_PINS="
cfn-lint==$CFN_LINT_VERSION jsonpatch==1.48 jsonpointer==3.12 mpmath==1.3.0 networkx==3.6.1 PyYAML==6.0.4
regex==2026.11.19 sympy==1.14.0 typing_extensions==4.16.0
"
# W3005: serverless adds a DependsOn on each function's role that its GetAtt already implies; the framework
# writes it, not us, and it changes nothing.
_CFN_LINT_IGNORED=W3005

_cfn_lint_dir() { printf '%s\n' "$VIGIL_HOME/tools/cfn-lint-$CFN_LINT_VERSION"; }

_cfn_lint_python() {
  local candidate=${CFN_LINT_PYTHON:-python3}
  "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 || return 1
  "$candidate" -c 'import sys; print(sys.executable)'
}

# What the marker records: the pin set and the interpreter's version (a vanished or upgraded interpreter
# leaves venv/bin/python dangling or mismatched, so it means a fresh venv too).
_cfn_lint_stamp() { # python
  printf 'cfn-lint==%s pins=%s python=%s\n' "$CFN_LINT_VERSION" \
    "$(printf '%s' "$_CFN_LINT_PINS" | sha256sum | cut -c1-16)" \
    "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
}

# --no-deps installs exactly the pins; `pip check` fails the install when one is missing.
_cfn_lint_verify() { "$1/bin/pip" --disable-pip-version-check -q check && "$1/bin/cfn-lint" --version; }

cfn_lint_install() {
  local dir python
  python="$(_cfn_lint_python)" || die "cfn-lint $CFN_LINT_VERSION needs Python 3.11 or newer with venv (python3 here is $(python3 -V 2>&1)); point CFN_LINT_PYTHON at one"
  dir="$(_cfn_lint_dir)"
  mkdir -p "$dir"
  # shellcheck disable=SC2086 # one pin per word
  printf '%s\n' $_CFN_LINT_PINS >"$dir/requirements.txt"
  python_tool_install cfn-lint "$python" "$dir" cfn-lint "$(_cfn_lint_stamp "$python")" \
    "$CFN_LINT_VERSION" "$dir/requirements.txt" _cfn_lint_verify --no-deps
}

# Packages the service for the stage into a folder of its own (and builds in an esbuild folder of its own,
# so a `serverless package` or `invoke local` running meanwhile is not disturbed); prints the template path.
package_template() { # stage, output folder
  local stage=$1 out=$2 work
  work="$(realpath -m --relative-to="$ROOT" "$out/esbuild")"
  (
    cd "$ROOT"
    VIGIL_ESBUILD_WORK_FOLDER="$work" SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
      node node_modules/serverless/bin/serverless.js package --stage "$stage" --package "$out/package" >"$out/package.log" 2>&1
  ) || {
    tail -n 30 "$out/package.log" >&2
    die "cfn-lint: serverless package --stage $stage failed (log above)"
  }
  printf '%s\n' "$out/package/cloudformation-template-update-stack.json"
}

# Lints one template; fails on any error. Findings are printed once each with the number of places (one
# runtime warning repeats per function); on errors, the template is kept and linted again with line numbers.
lint_template() { # template, what it is
  local template=$1 what=$2 report rc=0 kept
  local -a lint=("$(_cfn_lint_dir)/venv/bin/cfn-lint" --non-zero-exit-code error --ignore-checks "$_CFN_LINT_IGNORED")
  say "cfn-lint $CFN_LINT_VERSION: $what"
  report="$("${lint[@]}" --format parseable -- "$template")" || rc=$?
  if [ -n "$report" ]; then
    printf '%s\n' "$report" | cut -d: -f6- | sort | uniq -c | sed -E 's/^ *([0-9]+) ([^:]+):(.*)$/    \2 \3 (x\1)/'
  fi
  if [ "$rc" -ne 0 ]; then
    kept="$VIGIL_HOME/tmp/cfn-lint-failed-template.json"
    cp "$template" "$kept"
    "${lint[@]}" -- "$kept" >&2 || true
    die "cfn-lint found errors in $what (resources/ or serverless.yml); the template is kept in $kept"
  fi
  say "cfn-lint: no errors"
}

# The temporary folder of this run (packaged template, esbuild output), removed on exit.
WORK_DIR=""

main() {
  local stage=${1:-prod} template
  load_settings
  cfn_lint_install
  mkdir -p "$VIGIL_HOME/tmp"
  case "$stage" in
    --install) return 0 ;;
    --template)
      [ -f "${2:-}" ] || die "usage: cfn-lint.sh --template <file>"
      lint_template "$2" "$2"
      return 0
      ;;
  esac
  WORK_DIR="$(mktemp -d "$VIGIL_HOME/tmp/cfn-lint.XXXXXX")"
  trap 'rm -rf "$WORK_DIR"' EXIT
  say "cfn-lint: packaging the service for stage $stage"
  template="$(package_template "$stage" "$WORK_DIR")"
  lint_template "$template" "the stage $stage template"
}

main "$@"
