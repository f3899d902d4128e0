#!/usr/bin/env bash
# Builds the TEST STAND-IN for the AUCMEDI image (not AUCMEDI): aucmedi-desk/aucmedi-stand-in:test
#
#   bash docker/stand-in/build.sh            # build, or say "up to date" and exit 0 at once
#   AUCMEDI_STANDIN_TAG=x/y:z bash build.sh  # another tag
#   AUCMEDI_STANDIN_REBUILD=1 bash build.sh  # ignore the up-to-date check (base is still reused)
#   AUCMEDI_STANDIN_KERAS_GENERATION=2 ...   # look weights up as Keras 2 does (default 3), e.g. tag :keras2
#   AUCMEDI_STANDIN_WEIGHTS_HASHES_FILE=f.json ...  # a TEST hash table for weights (a test tag only)
#
# Two steps, both idempotent:
#  1. base  aucmedi-desk/stand-in-base:bookworm  a Debian bookworm rootfs made by mmdebstrap
#     (variant essential + packages.txt) and brought in with `docker import`; it carries the
#     label org.aucmedi-desk.base-hash (hash of the package list and the mmdebstrap command)
#     and is reused while that hash matches.
#  2. image  `docker build` of Dockerfile + aucmedi.py on top of the base, labelled with
#     org.aucmedi-desk.content-hash = sha256 over the stand-in's source files.
# Needs: docker (an engine that answers) and, only when the base must be made, mmdebstrap and
# root (or unprivileged user namespaces, for mmdebstrap --mode=unshare) and a Debian mirror.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TAG="${AUCMEDI_STANDIN_TAG:-aucmedi-desk/aucmedi-stand-in:test}"
BASE_TAG="${AUCMEDI_STANDIN_BASE_TAG:-aucmedi-desk/stand-in-base:bookworm}"
SUITE=bookworm
VARIANT=essential
SOURCES=(Dockerfile .dockerignore aucmedi.py build.sh packages.txt)
# The image check's stand-in packages (README.md, "probe-modules"): every file of them.
mapfile -t -O "${#SOURCES[@]}" SOURCES < <(cd "$here" && find probe-modules -name __pycache__ -prune -o -type f -print | LC_ALL=C sort)

log() { echo "[stand-in] $*"; }
die() { echo "[stand-in] ERROR: $*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || die "the docker CLI is not installed (Debian: apt-get install docker.io)"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum is missing (coreutils)"

# Hash over each source file's name and content, in a fixed order.
content_hash() {
  local f
  for f in "${SOURCES[@]}"; do
    [ -f "$here/$f" ] || die "missing source file $here/$f"
    printf '%s  %s\n' "$(sha256sum <"$here/$f" | cut -d' ' -f1)" "$f"
  done | sha256sum | cut -d' ' -f1
}

packages() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/packages.txt" | grep -v '^$' | sort -u | paste -sd, -; }

label_of() { # image label -> value, or empty when the image or the label is missing
  docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

GENERATION="${AUCMEDI_STANDIN_KERAS_GENERATION:-3}"
case "$GENERATION" in 2 | 3) ;; *) die "AUCMEDI_STANDIN_KERAS_GENERATION must be 2 or 3, not '$GENERATION'" ;; esac
WEIGHTS_HASHES=""
if [ -n "${AUCMEDI_STANDIN_WEIGHTS_HASHES_FILE:-}" ]; then
  [ -f "$AUCMEDI_STANDIN_WEIGHTS_HASHES_FILE" ] || die "no weights hash table at $AUCMEDI_STANDIN_WEIGHTS_HASHES_FILE"
  WEIGHTS_HASHES="$(tr -d '\n' <"$AUCMEDI_STANDIN_WEIGHTS_HASHES_FILE")"
fi
# The sources, the generation and the test hash table (if any) make up what the tag must be.
HASH="$(printf '%s\nkeras-generation=%s\nweights-hashes=%s\n' "$(content_hash)" "$GENERATION" "$WEIGHTS_HASHES" | sha256sum | cut -d' ' -f1)"
if [ "${AUCMEDI_STANDIN_REBUILD:-0}" != 1 ] && [ "$(label_of "$TAG" org.aucmedi-desk.content-hash)" = "$HASH" ]; then
  log "$TAG is up to date (content hash ${HASH:0:12})"
  exit 0
fi

docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || die "no Docker engine answers (is dockerd running, and may this user use it?)"

PKGS="$(packages)"
[ -n "$PKGS" ] || die "packages.txt lists no package"
if [ "$(id -u)" = 0 ]; then MODE=root; else MODE=unshare; fi
# Everything that shapes the rootfs (not the mode, which does not change its content).
MMDEBSTRAP_OPTS=(--variant="$VARIANT" --include="$PKGS"
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*')
BASE_HASH="$(printf '%s\n' mmdebstrap "${MMDEBSTRAP_OPTS[@]}" "$SUITE" | sha256sum | cut -d' ' -f1)"

tmp=""
cleanup() { if [ -n "$tmp" ]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(label_of "$BASE_TAG" org.aucmedi-desk.base-hash)" = "$BASE_HASH" ]; then
  log "reusing base $BASE_TAG (base hash ${BASE_HASH:0:12})"
else
  command -v mmdebstrap >/dev/null 2>&1 \
    || die "mmdebstrap is not installed; it is needed once to make the base $BASE_TAG (Debian: apt-get install mmdebstrap)"
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/aucmedi-stand-in.XXXXXX")"
  log "making base $BASE_TAG: mmdebstrap --mode=$MODE --variant=$VARIANT --include=$PKGS $SUITE (about a minute)"
  start=$SECONDS
  mmdebstrap --quiet --mode="$MODE" "${MMDEBSTRAP_OPTS[@]}" "$SUITE" "$tmp/rootfs.tar" \
    || die "mmdebstrap failed (is a Debian mirror reachable? as non-root, are user namespaces allowed?)"
  log "importing the rootfs ($(du -h "$tmp/rootfs.tar" | cut -f1)) as $BASE_TAG"
  docker import \
    --change "LABEL org.aucmedi-desk.stand-in-base=true" \
    --change "LABEL org.aucmedi-desk.base-hash=$BASE_HASH" \
    --change "LABEL org.aucmedi-desk.base-packages=$PKGS" \
    --change "LABEL org.opencontainers.image.description=\"Debian $SUITE base of the test stand-in for the AUCMEDI image (not AUCMEDI)\"" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    --message "stand-in base: mmdebstrap $SUITE $VARIANT +$PKGS" \
    "$tmp/rootfs.tar" "$BASE_TAG" >/dev/null
  rm -f "$tmp/rootfs.tar"
  log "base ready in $((SECONDS - start)) s"
fi

log "building $TAG (content hash ${HASH:0:12})"
# The legacy builder (no buildx needed); --network none: the build needs nothing from outside.
if ! out="$(DOCKER_BUILDKIT=0 docker build --quiet --network none \
  --build-arg "BASE=$BASE_TAG" \
  --build-arg "STANDIN_KERAS_GENERATION=$GENERATION" \
  --build-arg "STANDIN_WEIGHTS_HASHES=$WEIGHTS_HASHES" \
  --label "org.aucmedi-desk.keras-generation=$GENERATION" \
  --label "org.aucmedi-desk.test-weights-hashes=$([ -n "$WEIGHTS_HASHES" ] && echo true || echo false)" \
  --label "org.aucmedi-desk.content-hash=$HASH" \
  --label "org.aucmedi-desk.base-hash=$BASE_HASH" \
  -t "$TAG" "$here" 2>&1)"; then
  echo "$out" >&2
  die "docker build of $TAG failed"
fi
log "built $TAG: $(docker run --rm --network none "$TAG" -v)"
