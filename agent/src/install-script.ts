import { AGENT_NODE_FLAGS } from './core/node-flags.ts';
import { INSTALLER_VERIFY_SCRIPT, SIGNATURE_HEADER } from './core/signature.ts';

const FLAGS = AGENT_NODE_FLAGS.join(' ');

/**
 * `GET /install.sh`: what `curl -fsSL <api>/install.sh | sh -s -- --token T --price 0.45
 * --region eu-west` runs. It checks the prerequisites (each missing one gets a one-line fix),
 * downloads the single-file agent from the same API, registers the host, and installs a
 * systemd service where systemd runs (else prints how to run in the foreground).
 * POSIX sh, so it runs on any Linux the agent supports. The API URL and the platform's public
 * signing key are filled in by the server (the script itself is signed, key included): the
 * downloaded agent runs only once its SHA-256 and Ed25519 signature check out. With
 * --allow-process-jobs as root it creates the unprivileged user process jobs run as.
 * The launcher and the service run the agent with AGENT_NODE_FLAGS, under a `.cjs` hard link
 * to the verified file (the same bytes, run as CommonJS: agent/bundle.ts says why).
 */
export const installScript = (apiUrl: string, publicKeyPem: string | undefined): string => `#!/bin/sh
# gpuhive provider agent installer, served by ${apiUrl}
set -eu

API="\${GPUHIVE_API:-${apiUrl}}"
JOB_USER="gpuhive-job"
PUBLIC_KEY='${publicKeyPem ?? ''}'
TOKEN="" PRICE="" REGION="" PUBLIC_ADDRESS="" SIMULATE="" ALLOW_PROCESS="" NO_SERVICE=""
if [ "$(id -u)" = "0" ]; then
  PREFIX="\${GPUHIVE_PREFIX:-/opt/gpuhive-agent}"; STATE_DIR="\${GPUHIVE_STATE_DIR:-/var/lib/gpuhive-agent}"
else
  PREFIX="\${GPUHIVE_PREFIX:-$HOME/.local/share/gpuhive-agent}"; STATE_DIR="\${GPUHIVE_STATE_DIR:-$HOME/.gpuhive-agent}"
fi

usage() {
  cat <<USAGE
Installs the gpuhive agent on this GPU host and registers it.

  curl -fsSL $API/install.sh | sh -s -- --token TOKEN --price 0.45 --region eu-west

Options:
  --token TOKEN           registration token (provider: POST /v1/hosts/registration-tokens)
  --price USD             price per GPU-hour, e.g. 0.45
  --region REGION         e.g. eu-west
  --public-address ADDR   address other hosts reach this one at (multi-host jobs)
  --allow-process-jobs    also run command jobs as plain processes, as the unprivileged user gpuhive-job (created)
  --simulate-gpus SPEC    fake GPUs for trying it out: "RTX 4090:24564x2"
  --state-dir DIR         default $STATE_DIR
  --prefix DIR            where the agent is installed (default $PREFIX)
  --no-service            do not install a systemd service; print how to run it instead
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --token) TOKEN="$2"; shift 2 ;;
    --price) PRICE="$2"; shift 2 ;;
    --region) REGION="$2"; shift 2 ;;
    --public-address) PUBLIC_ADDRESS="$2"; shift 2 ;;
    --simulate-gpus) SIMULATE="$2"; shift 2 ;;
    --allow-process-jobs) ALLOW_PROCESS="1"; shift ;;
    --state-dir) STATE_DIR="$2"; shift 2 ;;
    --prefix) PREFIX="$2"; shift 2 ;;
    --no-service) NO_SERVICE="1"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gpuhive install: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

missing=0
ok() { echo "  ok    $1"; }
fail() { echo "  MISSING $1"; echo "        fix: $2"; missing=$((missing + 1)); }
warn() { echo "  warn  $1"; echo "        fix: $2"; }

echo "Checking prerequisites:"
if command -v node >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' >/dev/null 2>&1; then
  ok "Node.js $(node --version)"
else
  fail "Node.js 20 or newer" "curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash - && sudo apt-get install -y nodejs"
fi
if [ -n "$SIMULATE" ]; then
  ok "GPUs: simulated ($SIMULATE)"
elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  ok "nvidia-smi: $(nvidia-smi -L | wc -l) GPU(s)"
else
  fail "nvidia-smi (the NVIDIA driver)" "sudo ubuntu-drivers install && sudo reboot   (or https://www.nvidia.com/drivers)"
fi
DOCKER_OK=""
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q nvidia || command -v nvidia-ctk >/dev/null 2>&1; then
    ok "Docker with the NVIDIA Container Toolkit"; DOCKER_OK="1"
  else
    warn "NVIDIA Container Toolkit (image jobs need it)" "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html then: sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker"
  fi
else
  warn "Docker (image jobs need it)" "curl -fsSL https://get.docker.com | sh   (then: sudo usermod -aG docker \\$USER)"
fi
if [ -z "$DOCKER_OK" ] && [ -z "$ALLOW_PROCESS" ] && [ -z "$SIMULATE" ]; then
  fail "a runtime to offer" "install Docker and the NVIDIA Container Toolkit (above), or pass --allow-process-jobs"
fi
if ! command -v curl >/dev/null 2>&1; then fail "curl" "sudo apt-get install -y curl"; fi
if [ "$missing" -gt 0 ]; then
  echo "$missing prerequisite(s) missing: fix them and run this again." >&2
  exit 1
fi

mkdir -p "$PREFIX"
echo "Downloading the agent from $API/agent/gpuhive-agent.mjs"
curl -fsSL -D "$PREFIX/gpuhive-agent.headers.tmp" "$API/agent/gpuhive-agent.mjs" -o "$PREFIX/gpuhive-agent.mjs.tmp"
SIGNATURE="$(tr -d '\r' < "$PREFIX/gpuhive-agent.headers.tmp" | grep -i '^${SIGNATURE_HEADER}:' | tail -n 1 | sed 's/^[^:]*: *//')"
rm -f "$PREFIX/gpuhive-agent.headers.tmp"
if [ -z "$PUBLIC_KEY" ]; then
  rm -f "$PREFIX/gpuhive-agent.mjs.tmp"
  echo "gpuhive install: refusing to install: this API has no signing key, so the agent cannot be verified" >&2; exit 1
fi
cat > "$PREFIX/verify-signature.cjs" <<'VERIFY'
${INSTALLER_VERIFY_SCRIPT}
VERIFY
if ! VERDICT="$(GPUHIVE_VERIFY_FILE="$PREFIX/gpuhive-agent.mjs.tmp" GPUHIVE_SIGNATURE="$SIGNATURE" GPUHIVE_PUBLIC_KEY="$PUBLIC_KEY" node "$PREFIX/verify-signature.cjs" 2>&1)"; then
  rm -f "$PREFIX/gpuhive-agent.mjs.tmp"
  echo "gpuhive install: refusing to run the downloaded agent: $VERDICT" >&2; exit 1
fi
echo "  ok    the agent's SHA-256 and Ed25519 signature check out"
mv "$PREFIX/gpuhive-agent.mjs.tmp" "$PREFIX/gpuhive-agent.mjs"
# The same bytes under a .cjs name: Node.js runs it as CommonJS, without its ES module loader (less memory).
ln -f "$PREFIX/gpuhive-agent.mjs" "$PREFIX/gpuhive-agent.cjs" 2>/dev/null || cp -f "$PREFIX/gpuhive-agent.mjs" "$PREFIX/gpuhive-agent.cjs"
NODE="$(command -v node)"
cat > "$PREFIX/gpuhive-agent" <<WRAPPER
#!/bin/sh
exec "$NODE" ${FLAGS} "$PREFIX/gpuhive-agent.cjs" "\\$@"
WRAPPER
chmod 755 "$PREFIX/gpuhive-agent" "$PREFIX/gpuhive-agent.mjs"
AGENT="$PREFIX/gpuhive-agent"
if [ "$(id -u)" = "0" ] && [ -d /usr/local/bin ] && [ -z "\${GPUHIVE_PREFIX:-}" ]; then ln -sf "$AGENT" /usr/local/bin/gpuhive-agent; fi

if [ -f "$STATE_DIR/state.json" ]; then
  echo "Already registered ($STATE_DIR/state.json): keeping that host."
elif [ -n "$TOKEN" ]; then
  [ -n "$PRICE" ] || { echo "--price is required to register" >&2; exit 2; }
  [ -n "$REGION" ] || { echo "--region is required to register" >&2; exit 2; }
  set -- register --api "$API" --token "$TOKEN" --price "$PRICE" --region "$REGION" --state-dir "$STATE_DIR"
  [ -n "$PUBLIC_ADDRESS" ] && set -- "$@" --public-address "$PUBLIC_ADDRESS"
  [ -n "$SIMULATE" ] && set -- "$@" --simulate-gpus "$SIMULATE"
  [ -n "$ALLOW_PROCESS" ] && set -- "$@" --allow-process-jobs
  "$AGENT" "$@"
else
  echo "No --token given: register later with $AGENT register --api $API --token TOKEN --price 0.45 --region eu-west --state-dir $STATE_DIR"
fi

# Process jobs run as an unprivileged user of their own, never as the agent (root): they cannot read its token.
RUN_FLAGS=""
if [ -n "$ALLOW_PROCESS" ] && [ "$(id -u)" = "0" ]; then
  if ! id -u "$JOB_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$JOB_USER" && echo "Created the user $JOB_USER that process jobs run as."
  fi
  RUN_FLAGS=" --job-user $JOB_USER"
fi

if [ -z "$NO_SERVICE" ] && [ "$(id -u)" = "0" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  cat > /etc/systemd/system/gpuhive-agent.service <<UNIT
[Unit]
Description=gpuhive provider agent
After=network-online.target docker.service
Wants=network-online.target

[Service]
ExecStart=$NODE ${FLAGS} $PREFIX/gpuhive-agent.cjs run --state-dir $STATE_DIR$RUN_FLAGS
Restart=always
RestartSec=5
# SIGTERM to the agent only: it stops its process jobs, leaves Docker jobs running and flushes.
KillMode=mixed
TimeoutStopSec=60

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable --now gpuhive-agent
  echo "Installed and started the systemd service gpuhive-agent (journalctl -u gpuhive-agent -f)."
else
  echo "Run the agent in the foreground with:"
  echo "  $AGENT run --state-dir $STATE_DIR$RUN_FLAGS"
fi
echo "Check it with: $AGENT status --state-dir $STATE_DIR   and   $AGENT doctor --state-dir $STATE_DIR"
`;
