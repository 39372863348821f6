#!/usr/bin/env bash
# `npm run image`: build the data-plane image from ./Containerfile WITHOUT a
# Docker daemon (buildah, chroot isolation, as root), write it as an OCI archive
# and print its digest.
#
#   npm run image                       -> dist/omnigraph-image.oci.tar + dist/image.json
#   OMNIGRAPH_IMAGE_REFRESH_BASE=1 npm run image   rebuild the cached Debian/Node base images
#   OMNIGRAPH_IMAGE_NO_CACHE=1 npm run image       rebuild every Containerfile step (no layer cache)
#
# Output on stdout (everything else goes to stderr):
#   OMNIGRAPH_IMAGE_ARCHIVE=<path>
#   OMNIGRAPH_IMAGE_DIGEST=sha256:<hex>
#   OMNIGRAPH_IMAGE_REF=<repository>:<tag>@sha256:<hex>
#
# No image is pulled from any registry: the two base images the Containerfile
# takes as build args are made here, from Debian packages and this machine's
# Node 20 package (docs/deploy/image.md, "Where the Node runtime comes from"):
#   BASE_IMAGE  mmdebstrap minbase bookworm, trimmed like bookworm-slim, + tini, ca-certificates
#   NODE_IMAGE  BASE_IMAGE + /usr/bin/node and npm relocated under /usr/local (the upstream node image layout)
# Both are cached in the buildah store under $OMNIGRAPH_IMAGE_CACHE, keyed by
# their recipe; the apt downloads are cached there too, and so is npm's cache.
#
# Reproducibility: every file time and the image's "created" field are pinned
# to the epoch (buildah --timestamp 0, mmdebstrap SOURCE_DATE_EPOCH=0), as ko
# and Nix do, so a layer is the same bytes whether it was built now or reused
# from the layer cache of an earlier commit; the commit's own time goes in the
# org.opencontainers.image.created label and the commit in ...revision (with
# "-dirty" when tracked files differ). docs/deploy/image.md lists what can
# still differ between two builds of one commit.
set -euo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly CACHE="${OMNIGRAPH_IMAGE_CACHE:-/var/cache/omnigraph-image}"
readonly OUT="${OMNIGRAPH_IMAGE_OUT:-$REPO_ROOT/dist}"
readonly REPOSITORY="${OMNIGRAPH_IMAGE_REPOSITORY:-omnigraph/omnigraph}"
readonly ARCHIVE="$OUT/omnigraph-image.oci.tar"
readonly SUITE=bookworm
readonly DEBIAN_MIRROR="${OMNIGRAPH_IMAGE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
readonly DEBIAN_SECURITY_MIRROR="${OMNIGRAPH_IMAGE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

log() { printf '[image] %s\n' "$*" >&2; }
die() { printf '[image] error: %s\n' "$*" >&2; exit 1; }
t0=$EPOCHREALTIME
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

[[ $(id -u) == 0 ]] || die "run as root: buildah's chroot isolation and mmdebstrap's root mode need it (no Docker daemon is used)"
"$REPO_ROOT/image/tools.sh" install

B=(buildah --root "$CACHE/storage" --runroot "$CACHE/runroot" --storage-driver overlay)
mkdir -p "$CACHE/apt" "$OUT"

cd "$REPO_ROOT"
REVISION="$(git rev-parse HEAD)"
if ! git diff --quiet HEAD -- 2>/dev/null; then REVISION="$REVISION-dirty"; fi
COMMIT_EPOCH="$(git log -1 --format=%ct HEAD)"
# The time written into files and image configs (see the header).
readonly IMAGE_EPOCH=0
export SOURCE_DATE_EPOCH=$IMAGE_EPOCH
VERSION="$(node -p 'require("./package.json").version')"
TAG="$VERSION-${REVISION:0:12}"
[[ $REVISION == *-dirty ]] && TAG="$TAG-dirty"
CREATED="$(date -u -d "@$COMMIT_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
log "revision $REVISION, version $VERSION, commit time $CREATED"

image_exists() { "${B[@]}" inspect --type image "$1" >/dev/null 2>&1; }
key_of() { sha256sum | cut -c1-12; }

# ------------------------------------------------------------ BASE_IMAGE ---
# bookworm-slim's trimming (as Debian's official images do it): no man pages,
# docs except copyright files, locales except locale.alias, info, groff, lintian.
MM_ARGS=(
  --variant=minbase --mode=root --format=tar
  --include=ca-certificates,tini
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/groff/*'
  --dpkgopt='path-exclude=/usr/share/lintian/*' --dpkgopt='path-exclude=/usr/share/linda/*'
  --customize-hook='rm -f "$1"/var/log/dpkg.log "$1"/var/log/alternatives.log "$1"/var/log/apt/*.log "$1"/var/cache/ldconfig/aux-cache'
)
MM_SOURCES=(
  "deb $DEBIAN_MIRROR $SUITE main"
  "deb $DEBIAN_MIRROR $SUITE-updates main"
  "deb $DEBIAN_SECURITY_MIRROR $SUITE-security main"
)
base_key="$(printf '%s\n' "epoch=$IMAGE_EPOCH" "${MM_ARGS[@]}" "${MM_SOURCES[@]}" | key_of)"
BASE_IMAGE="localhost/omnigraph-build/debian:$SUITE-slim-$base_key"
if [[ ${OMNIGRAPH_IMAGE_REFRESH_BASE:-} == 1 ]] || ! image_exists "$BASE_IMAGE"; then
  step=$EPOCHREALTIME
  log "building $BASE_IMAGE with mmdebstrap (apt cache: $CACHE/apt)"
  work="$(mktemp -d "${TMPDIR:-/tmp}/og-image-base.XXXX")"
  # The .deb cache is synced into the chroot and back out, so a rebuild only
  # downloads what changed in the archive since the last one.
  mmdebstrap "${MM_ARGS[@]}" \
    --skip=download/empty --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $CACHE/apt /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives $CACHE/apt" \
    --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
    "$SUITE" "$work/rootfs.tar" "${MM_SOURCES[@]}" >&2 2>"$work/mmdebstrap.log" \
    || { tail -30 "$work/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $work/mmdebstrap.log)"; }
  ctr="$("${B[@]}" from --pull=never scratch)"
  "${B[@]}" add "$ctr" "$work/rootfs.tar" / >&2
  "${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
    --label org.opencontainers.image.description="Debian $SUITE minbase, trimmed as bookworm-slim, + tini, ca-certificates" "$ctr"
  "${B[@]}" commit --quiet --identity-label=false --timestamp "$IMAGE_EPOCH" --rm "$ctr" "$BASE_IMAGE" >/dev/null
  rm -rf "$work"
  log "base image built in $(since "$step")"
else
  log "reusing $BASE_IMAGE (OMNIGRAPH_IMAGE_REFRESH_BASE=1 rebuilds it)"
fi

# ------------------------------------------------------------ NODE_IMAGE ---
# This machine's Node 20 comes from a locally installed Debian package
# (`dpkg -L nodejs`): /usr/bin/node plus npm under /usr/lib/node_modules. They
# are relocated to /usr/local, where the upstream node image keeps them, so the
# Containerfile is the same for both.
command -v node >/dev/null || die "node is missing: this build copies the machine's Node 20 package into the image"
NODE_BIN="$(readlink -f "$(command -v node)")"
NODE_VERSION="$("$NODE_BIN" --version)"
[[ $NODE_VERSION == v20.* ]] || die "node $NODE_VERSION found; the image needs Node 20 (the pins in DESIGN.md §9)"
NPM_DIR="$(dirname "$NODE_BIN")/../lib/node_modules/npm"
[[ -f $NPM_DIR/package.json ]] || die "npm not found next to $NODE_BIN (looked in $NPM_DIR)"
NPM_VERSION="$(node -p "require('$NPM_DIR/package.json').version")"
node_key="$({ echo "$BASE_IMAGE"; sha256sum "$NODE_BIN" | cut -d' ' -f1; echo "$NPM_VERSION"; } | key_of)"
NODE_IMAGE="localhost/omnigraph-build/node:${NODE_VERSION#v}-$SUITE-$node_key"
if [[ ${OMNIGRAPH_IMAGE_REFRESH_BASE:-} == 1 ]] || ! image_exists "$NODE_IMAGE"; then
  step=$EPOCHREALTIME
  log "building $NODE_IMAGE from $NODE_BIN (node $NODE_VERSION, npm $NPM_VERSION)"
  work="$(mktemp -d "${TMPDIR:-/tmp}/og-image-node.XXXX")"
  mkdir -p "$work/usr/local/bin" "$work/usr/local/lib/node_modules" "$work/usr/local/share/doc/nodejs"
  cp "$NODE_BIN" "$work/usr/local/bin/node"
  cp -a "$NPM_DIR" "$work/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/usr/local/bin/npx"
  for f in /usr/share/doc/nodejs/copyright /usr/share/doc/nodejs/LICENSE; do
    [[ -f $f ]] && cp "$f" "$work/usr/local/share/doc/nodejs/"
  done
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$IMAGE_EPOCH" -C "$work" -cf "$work/node.tar" usr
  ctr="$("${B[@]}" from --pull=never "$BASE_IMAGE")"
  "${B[@]}" add "$ctr" "$work/node.tar" / >&2
  "${B[@]}" config --env NODE_VERSION="${NODE_VERSION#v}" --cmd node "$ctr"
  "${B[@]}" commit --quiet --identity-label=false --timestamp "$IMAGE_EPOCH" --rm "$ctr" "$NODE_IMAGE" >/dev/null
  rm -rf "$work"
  log "node image built in $(since "$step")"
else
  log "reusing $NODE_IMAGE"
fi

# ---------------------------------------------------------- the image ---
step=$EPOCHREALTIME
LOCAL_REF="localhost/$REPOSITORY:$TAG"
secret_args=()
# Builds behind a TLS-intercepting proxy (like this machine's) need the host's
# CA bundle for npm; it is mounted as a build secret, never stored in a layer.
if [[ -s /etc/ssl/certs/ca-certificates.crt ]]; then
  secret_args=(--secret id=build_ca,src=/etc/ssl/certs/ca-certificates.crt)
fi
source_args=()
cache_args=()
# OMNIGRAPH_IMAGE_NO_CACHE=1: ignore the cached build-stage layers (the npm
# cache and the bases stay), e.g. to check that a clean build gives the same digest.
[[ ${OMNIGRAPH_IMAGE_NO_CACHE:-} == 1 ]] && cache_args=(--no-cache)
[[ -n ${OMNIGRAPH_IMAGE_SOURCE:-} ]] && source_args=(--build-arg "SOURCE=$OMNIGRAPH_IMAGE_SOURCE" --label "org.opencontainers.image.source=$OMNIGRAPH_IMAGE_SOURCE")
# The per-commit labels are also passed as --label: buildah 1.28's layer cache
# keys a LABEL step on its unexpanded text, so `LABEL …revision="${REVISION}"`
# alone would keep an earlier commit's value on a cached build (the build test
# caught exactly that). Command-line labels are applied after the cache.
log "building $LOCAL_REF from Containerfile (buildah, chroot isolation)"
"${B[@]}" build --isolation chroot --network host --pull=never --layers=true \
  --format oci --identity-label=false --timestamp "$IMAGE_EPOCH" \
  --build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
  --build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "CREATED=$CREATED" \
  --label "org.opencontainers.image.version=$VERSION" --label "org.opencontainers.image.revision=$REVISION" \
  --label "org.opencontainers.image.created=$CREATED" \
  "${source_args[@]}" "${secret_args[@]}" "${cache_args[@]}" \
  --file Containerfile --tag "$LOCAL_REF" "$REPO_ROOT" >&2
log "image built in $(since "$step")"

step=$EPOCHREALTIME
rm -f "$ARCHIVE" "$OUT/image.digest"
"${B[@]}" push --quiet --format oci --digestfile "$OUT/image.digest" "$LOCAL_REF" "oci-archive:$ARCHIVE:$TAG" >&2
DIGEST="$(cat "$OUT/image.digest")"
rm -f "$OUT/image.digest"
# The digest is the sha256 of the manifest inside the archive; check it is.
manifest_digest="sha256:$(skopeo inspect --raw "oci-archive:$ARCHIVE" | sha256sum | cut -d' ' -f1)"
[[ $manifest_digest == "$DIGEST" ]] || die "buildah reported $DIGEST but the archive's manifest hashes to $manifest_digest"
log "archive written in $(since "$step"): $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"

# The image stays in the buildah store under $LOCAL_REF: its big layers (OS,
# Node, node_modules) are shared with the layer cache, so a commit adds only
# its sources layer there.

export REPOSITORY ARCHIVE
IMAGE_JSON="$OUT/image.json" DIGEST="$DIGEST" TAG="$TAG" REVISION="$REVISION" VERSION="$VERSION" \
  CREATED="$CREATED" SDE="$COMMIT_EPOCH" \
  BASE_IMAGE="$BASE_IMAGE" NODE_IMAGE="$NODE_IMAGE" NODE_VERSION="$NODE_VERSION" \
  node "$REPO_ROOT/image/write-image-json.mjs"

log "done in $(since "$t0")"
printf 'OMNIGRAPH_IMAGE_ARCHIVE=%s\n' "$ARCHIVE"
printf 'OMNIGRAPH_IMAGE_DIGEST=%s\n' "$DIGEST"
printf 'OMNIGRAPH_IMAGE_REF=%s:%s@%s\n' "$REPOSITORY" "$TAG" "$DIGEST"
