#!/usr/bin/env bash
# Prepares what the tests need. On a Debian machine where we are root: installs docker.io and
# chromium when missing and starts dockerd when no engine answers. Elsewhere it uses what is
# there and says what is missing (the tests then skip loudly, or fail under CI=true).
set -euo pipefail

log() { echo "[prepare] $*"; }
is_root() { [ "$(id -u)" = 0 ]; }
can_apt() { is_root && command -v apt-get >/dev/null 2>&1; }

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
# the view step of every run (src/runs/dataset-view.ts) and the image check are Python, tested here too
command -v python3 >/dev/null 2>&1 || missing+=(python3-minimal)
# DICOM conversion tests: real files written with pydicom and re-encoded and read back with dcmtk
command -v dcmconv >/dev/null 2>&1 || missing+=(dcmtk)
# ... and compressed with dcmtk (RLE, JPEG, JPEG-LS) and GDCM (JPEG 2000)
command -v gdcmconv >/dev/null 2>&1 || missing+=(libgdcm-tools)
/usr/bin/python3 -c 'import pydicom' >/dev/null 2>&1 || missing+=(python3-pydicom)
# remote engine tests: an sshd in front of a second dockerd (test/helpers/remote-engine.ts); openssl makes its TLS certificates
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if can_apt; then
    log "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "WARNING: missing ${missing[*]} and cannot install them here (not root on Debian)"
  fi
fi

if engine_answers; then
  log "Docker engine answers: $(docker version --format '{{.Server.Version}}')"
elif is_root && command -v dockerd >/dev/null 2>&1 && [ -z "${DOCKER_HOST:-}" ]; then
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    log "removing stale /var/run/docker.pid"
    rm -f /var/run/docker.pid
  fi
  log "starting dockerd (log: /tmp/dockerd.log)"
  nohup dockerd --iptables=false --bridge=none >/tmp/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do engine_answers && break; sleep 1; done
  if engine_answers; then
    log "Docker engine started: $(docker version --format '{{.Server.Version}}')"
  else
    log "ERROR: dockerd did not answer within 60 s; last lines of /tmp/dockerd.log:"
    tail -n 20 /tmp/dockerd.log || true
  fi
else
  log "WARNING: no Docker engine answers and none can be started here"
fi

if engine_answers; then
  log "building the test images (skipped when up to date)"
  bash scripts/build-test-images.sh
fi
