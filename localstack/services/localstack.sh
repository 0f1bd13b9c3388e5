# LocalStack 4.14.0 community (the last release usable without an account) runs on the host, without Docker,
# from a venv under VIGIL_HOME, started as `python -m localstack.runtime.main` (what the official image's
# localstack-supervisor runs). localstack-core 4.14 ships no CLI; the separate `localstack` CLI package only
# offers a deprecated `start --host` that cannot detach, so it is not used.
# Serves S3, SQS, Secrets Manager, SSM, CloudFormation, STS, IAM, SNS and CloudWatch on 127.0.0.1:LOCALSTACK_PORT
# only (SNS and CloudWatch for the deploy rehearsal: the stack's alarm topic and alarms).
#
# Optional: LOCALSTACK_PYTHON (a Python >= 3.12 to build the venv with), LOCALSTACK_DEBUG=1 (verbose log).
# Defines localstack_install, _start, _healthy and _describe (stop: the launcher signals the process group).
# State is in memory: community LocalStack has no persistence (PERSISTENCE=1 is a Pro feature), so a restart
# starts empty and the launcher's init step recreates buckets, queues and secrets.

LOCALSTACK_VERSION=4.14.0
LOCALSTACK_SERVICES=s3,sqs,secretsmanager,ssm,cloudformation,sts,iam,sns,cloudwatch
# What localstack_healthy requires to be up (the others load lazily on first use).
LOCALSTACK_HEALTH_SERVICES="s3 sqs secretsmanager ssm"

# The full dependency set of localstack-core[runtime]==4.14.0 as PyPI resolved it on the day 4.14.0 was
# released (pip --uploaded-prior-to 2026-02-28, CPython 3.13). Its own requirements are open-ended and
# today's versions break it (cbor2 6 removed cbor2._decoder, which LocalStack imports), so everything is
# pinned. The [runtime] extra (not the lighter [base-runtime]) is needed: CloudFormation imports
# samtranslator, and several providers need moto-ext's optional dependencies.
_LOCALSTACK_CONSTRAINTS='
airspeed_ext==0.6.9 annotated-types==0.7.0 antlr4-python3-runtime==4.13.2 apispec==6.9.0 asn1crypto==1.5.1
attrs==25.4.0 aws-sam-translator==1.107.0 aws-xray-sdk==2.15.0 awscli==1.44.44 awscrt==0.31.2 boto3==1.42.54
botocore==1.42.54 cachetools==7.0.1 cbor2==5.8.0 certifi==2026.2.25 cffi==2.0.0 cfn-lint==1.45.0
charset-normalizer==3.4.4 click==8.3.1 colorama==0.4.6 constantly==23.10.4 crontab==1.0.5 cryptography==46.0.5
decorator==5.2.1 dill==0.3.6 dnslib==0.9.26 dnspython==2.8.0 docker==7.1.0 docutils==0.19 Events==0.5
graphql-core==3.2.7 grpcio==1.78.0 h11==0.16.0 h2==4.3.0 hpack==4.1.0 Hypercorn==0.18.0 hyperframe==6.1.0
hyperlink==21.0.0 idna==3.11 Incremental==24.11.0 isodate==0.7.2 Jinja2==3.1.6 jmespath==1.1.0 joserfc==1.6.3
jpype1==1.6.0 jsonpatch==1.33 jsonpath-ng==1.8.0 jsonpath-rw==1.4.0 jsonpointer==3.0.0 jsonschema==4.26.0
jsonschema-path==0.3.4 jsonschema-specifications==2025.9.1 kclpy-ext==3.0.5 lazy-object-proxy==1.12.0
localstack-core==4.14.0 localstack-twisted==25.5.0 markdown-it-py==4.0.0 MarkupSafe==3.0.3 mdurl==0.1.2
more-itertools==10.8.0 moto-ext==5.1.24 mpmath==1.3.0 multipart==1.3.1 networkx==3.6.1 openapi-core==0.22.0
openapi-schema-validator==0.6.3 openapi-spec-validator==0.7.2 opensearch-protobufs==0.19.0 opensearch-py==3.1.0
packaging==26.0 pathable==0.4.4 plux==1.14.0 ply==3.11 priority==1.3.0 protobuf==7.34.0 psutil==7.2.2
py-partiql-parser==0.6.3 pyasn1==0.6.2 pycparser==3.0 pydantic==2.12.5 pydantic_core==2.41.5 Pygments==2.19.2
pymongo==4.16.0 pyOpenSSL==25.3.0 pyparsing==3.3.2 python-dateutil==2.9.0.post0 python-dotenv==1.2.1
PyYAML==6.0.3 readerwriterlock==1.0.9 referencing==0.36.2 regex==2026.2.19 requests==2.32.5
requests-aws4auth==1.3.1 responses==0.26.0 rfc3339-validator==0.1.4 rich==14.3.3 rolo==0.8.1 rpds-py==0.30.0
rsa==4.7.2 s3transfer==0.16.0 semver==3.0.4 setuptools==82.0.0 six==1.17.0 sympy==1.14.0
typing-inspection==0.4.2 typing_extensions==4.15.0 urllib3==2.6.3 Werkzeug==3.1.6 wrapt==2.1.1 wsproto==1.3.2
xmltodict==1.0.4 zope.interface==8.2
'

_localstack_dir() { printf '%s\n' "$VIGIL_HOME/tools/localstack"; }
_localstack_venv() { printf '%s\n' "$VIGIL_HOME/tools/localstack/venv"; }
_localstack_data() { printf '%s\n' "$VIGIL_HOME/data/localstack"; }

# What the marker records: a changed version or pin set means a fresh venv (so does a vanished interpreter,
# which leaves venv/bin/python a dangling symlink).
_localstack_stamp() {
  printf 'localstack-core==%s constraints=%s\n' "$LOCALSTACK_VERSION" \
    "$(printf '%s' "$_LOCALSTACK_CONSTRAINTS" | sha256sum | cut -c1-16)"
}

# Prints a Python >= 3.12. LocalStack 4.14 declares >=3.10 but its code uses 3.12-only syntax (PEP 695
# generics, e.g. `class RegionBundle[T]`) and it is built and tested on 3.13, so the machine's python3 (3.11)
# cannot run it. Candidates are run, not just looked up: a pyenv shim exists even for unselected versions.
_localstack_python() {
  local candidate
  local -a candidates=()
  [[ -n "${LOCALSTACK_PYTHON:-}" ]] && candidates+=("$LOCALSTACK_PYTHON")
  candidates+=(python3.13 python3.12)
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3 \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3 /usr/bin/python3.13 /usr/bin/python3.12; do
    [[ -x "$candidate" ]] && candidates+=("$candidate")
  done
  candidates+=(python3)
  for candidate in "${candidates[@]}"; do
    if "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

localstack_install() {
  local dir venv marker python log
  dir="$(_localstack_dir)"
  venv="$(_localstack_venv)"
  marker="$dir/.installed"
  if [[ -x "$venv/bin/python" && "$(cat "$marker" 2>/dev/null)" == "$(_localstack_stamp)" ]]; then
    return 0
  fi
  if ! python="$(_localstack_python)"; then
    die "LocalStack $LOCALSTACK_VERSION needs Python 3.12 or newer (python3 here is $(python3 -V 2>&1)). Install one (e.g. 'pyenv install 3.13') or point LOCALSTACK_PYTHON at it."
  fi
  say "localstack: installing $LOCALSTACK_VERSION from PyPI into ${dir#"$ROOT"/} (first run only, about a minute)"
  log="$dir/install.log"
  rm -rf "$venv" "$marker"
  mkdir -p "$dir"
  # shellcheck disable=SC2086 # one pin per word
  printf '%s\n' $_LOCALSTACK_CONSTRAINTS >"$dir/constraints.txt"
  if ! {
    "$python" -m venv "$venv" &&
      "$venv/bin/pip" --disable-pip-version-check -q install -c "$dir/constraints.txt" \
        "localstack-core[runtime]==$LOCALSTACK_VERSION" &&
      # Import what the gateway and the S3 provider need, so a broken install fails here, not at start.
      "$venv/bin/python" -c 'import localstack.aws.components, localstack.services.s3.provider'
  } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "localstack: install failed (full log: $log)"
  fi
  _localstack_stamp >"$marker"
}

localstack_start() {
  ensure_port_free "$LOCALSTACK_PORT" LOCALSTACK_PORT localstack
  local port="$LOCALSTACK_PORT" data venv
  data="$(_localstack_data)"
  venv="$(_localstack_venv)"
  # State lives in memory only, so object bodies left by a killed instance are garbage: start empty.
  rm -rf "$data/s3"
  mkdir -p "$data/home" "$data/s3"

  # env -i: the launcher's environment (AWS_ENDPOINT_URL, AWS_REGION, a SERVICES array, DEBUG, ...) would
  # otherwise leak into LocalStack's config and its internal boto clients; only what is listed below counts.
  local -a env=(
    "PATH=$venv/bin:/usr/local/bin:/usr/bin:/bin"
    "LANG=C.UTF-8"
    "PYTHONUNBUFFERED=1"
    # HOME, XDG_CACHE_HOME and CONFIG_DIR keep ~/.localstack, ~/.aws and ~/.cache/plux in VIGIL_HOME.
    # TMPDIR stays unset: LocalStack nests its own tmp dir under FILESYSTEM_ROOT, and Python's remaining
    # temp files (large S3 bodies) are anonymous, so nothing is left in /tmp.
    "HOME=$data/home"
    "XDG_CACHE_HOME=$data/home/.cache"
    "CONFIG_DIR=$data/home/.localstack"
    # The machine may look like a container (/.dockerenv): force host mode, or LocalStack would use
    # /var/lib/localstack and /etc/localstack. Host mode puts all its directories under FILESYSTEM_ROOT.
    "OVERRIDE_IN_DOCKER=0"
    "FILESYSTEM_ROOT=$data"
    "SERVICES=$LOCALSTACK_SERVICES"
    # Twisted (the default server) ignores the host part and binds 0.0.0.0; hypercorn binds as told.
    "GATEWAY_SERVER=hypercorn"
    "GATEWAY_LISTEN=127.0.0.1:$port"
    # URLs LocalStack hands out (SQS queue URLs, CloudFormation outputs) point at 127.0.0.1, not at
    # *.localhost.localstack.cloud, which needs public DNS this machine may not have.
    "LOCALSTACK_HOST=127.0.0.1:$port"
    "SQS_ENDPOINT_STRATEGY=path"
    # No DNS server (it would bind port 53 on all interfaces), no telemetry, no certificate download
    # (a self-signed one is generated locally), no image pulls (nothing here needs containers).
    "DNS_ADDRESS=0"
    "DISABLE_EVENTS=1"
    "SKIP_SSL_CERT_DOWNLOAD=1"
    "PERSISTENCE=0"
  )
  [[ "${LOCALSTACK_DEBUG:-}" == 1 ]] && env+=("DEBUG=1")

  # The S3 provider keeps object bodies under a hard-coded /tmp/localstack-s3-storage/<bucket>, shared
  # by every LocalStack on the machine (deleting a bucket in one removes the other's directory); point it
  # into VIGIL_HOME before the provider is created, then run the normal entrypoint.
  local bootstrap='
import sys
import localstack.services.s3.provider as s3_provider
s3_provider.DEFAULT_S3_TMP_DIR = sys.argv[1]
from localstack.runtime.main import main
main()'

  # env -i execs python itself, so the recorded pid is LocalStack's and its process group.
  start_daemon localstack env -i "${env[@]}" "$venv/bin/python" -c "$bootstrap" "$data/s3"
}

# 0 when the health endpoint reports every service in LOCALSTACK_HEALTH_SERVICES as available (lazily loaded
# on first request) or running. Quiet either way.
localstack_healthy() {
  alive localstack || return 1
  local body
  body="$(curl -fsS --max-time 3 "http://127.0.0.1:$LOCALSTACK_PORT/_localstack/health" 2>/dev/null)" || return 1
  # shellcheck disable=SC2086 # one service name per word
  printf '%s' "$body" | python3 -c '
import json, sys
try:
    status = json.load(sys.stdin).get("services", {})
except ValueError:
    sys.exit(1)
sys.exit(0 if all(status.get(s) in ("available", "running") for s in sys.argv[1:]) else 1)
' $LOCALSTACK_HEALTH_SERVICES >/dev/null 2>&1
}

localstack_describe() {
  echo "LocalStack $LOCALSTACK_VERSION (host mode) http://127.0.0.1:$LOCALSTACK_PORT"
}
