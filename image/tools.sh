#!/usr/bin/env bash
# The Debian packages the image build, mirror and tests use, installed
# idempotently (as root): buildah (build, chroot isolation), umoci (unpack for
# the smoke test), skopeo (inspect, push), mmdebstrap (the Debian base),
# docker-registry (a real OCI registry for the mirror test).
#
#   image/tools.sh install   install what is missing (apt-get update only if the first try fails)
#   image/tools.sh check     exit 1 naming what is missing
set -euo pipefail

readonly PACKAGES=(buildah umoci skopeo mmdebstrap docker-registry)
readonly COMMANDS=(buildah umoci skopeo mmdebstrap docker-registry)

missing() {
  local i out=()
  for i in "${!COMMANDS[@]}"; do
    command -v "${COMMANDS[$i]}" >/dev/null 2>&1 || out+=("${PACKAGES[$i]}")
  done
  printf '%s\n' "${out[@]}"
}

case "${1:-}" in
  check)
    m="$(missing)"
    if [[ -n $m ]]; then echo "[image-tools] missing: $(echo $m)" >&2; exit 1; fi
    ;;
  install)
    mapfile -t m < <(missing)
    [[ ${#m[@]} -eq 0 || -z ${m[0]} ]] && exit 0
    echo "[image-tools] installing ${m[*]}" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${m[@]}" >&2; then
      echo "[image-tools] install failed; running apt-get update and retrying" >&2
      apt-get update >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${m[@]}" >&2
    fi
    m2="$(missing)"
    [[ -z $m2 ]] || { echo "[image-tools] still missing after install: $m2" >&2; exit 1; }
    ;;
  *) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
