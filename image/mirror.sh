#!/usr/bin/env bash
# `npm run image:mirror -- --registry <host:port>`: push the image built by
# `npm run image` (dist/omnigraph-image.oci.tar, described by dist/image.json)
# to a registry with skopeo, keeping its digest, and print the pinned reference.
# This is the air-gapped step: carry the archive in, mirror it, deploy by digest.
#
#   --registry <host[:port]>   required
#   --repository <path>        default: "repository" from image.json (omnigraph/omnigraph)
#   --image-json <file>        default: dist/image.json (the archive path is read from it)
#   --tls-verify true|false    default: false for a loopback registry (127.0.0.0/8, localhost, [::1]), else true
#   --json                     print {registry, repository, tag, digest, reference} instead of the reference
#   extra skopeo credentials:  REGISTRY_AUTH_FILE (skopeo's own variable), never a flag
#
# stdout: <registry>/<repository>@sha256:<hex>   (the tag is pushed too)
# exit: 0 pushed and verified; 1 push failed or the registry's digest differs;
#       2 bad usage or no build output (run `npm run image` first)
set -euo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '[image:mirror] %s\n' "$*" >&2; }
usage_error() { printf '[image:mirror] error: %s\n' "$*" >&2; sed -n '6,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
fail() { printf '[image:mirror] error: %s\n' "$*" >&2; exit 1; }

registry="" repository="" image_json="$REPO_ROOT/dist/image.json" tls_verify="" json=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --registry) [[ $# -ge 2 ]] || usage_error "--registry needs a value"; registry="$2"; shift 2 ;;
    --registry=*) registry="${1#*=}"; shift ;;
    --repository) [[ $# -ge 2 ]] || usage_error "--repository needs a value"; repository="$2"; shift 2 ;;
    --repository=*) repository="${1#*=}"; shift ;;
    --image-json) [[ $# -ge 2 ]] || usage_error "--image-json needs a value"; image_json="$2"; shift 2 ;;
    --image-json=*) image_json="${1#*=}"; shift ;;
    --tls-verify) [[ $# -ge 2 ]] || usage_error "--tls-verify needs true or false"; tls_verify="$2"; shift 2 ;;
    --tls-verify=*) tls_verify="${1#*=}"; shift ;;
    --json) json=true; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
[[ -n $registry ]] || usage_error "--registry <host:port> is required"
[[ $registry =~ ^[A-Za-z0-9.-]+(:[0-9]+)?$|^\[[0-9a-fA-F:]+\](:[0-9]+)?$ ]] || usage_error "--registry '$registry' is not host[:port] (no scheme, no path)"
[[ -z $tls_verify || $tls_verify == true || $tls_verify == false ]] || usage_error "--tls-verify must be true or false, not '$tls_verify'"
[[ -f $image_json ]] || usage_error "$image_json not found: run \`npm run image\` first"
command -v skopeo >/dev/null || fail "skopeo is missing: image/tools.sh install"

# One JSON read, validated: these four fields are the contract with the build.
read_json() { node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const f = process.argv[2];
  const v = j[f];
  if (typeof v !== "string" || v === "") { console.error(`image.json: "${f}" missing`); process.exit(2); }
  if (f === "digest" && !/^sha256:[0-9a-f]{64}$/.test(v)) { console.error(`image.json: bad digest ${v}`); process.exit(2); }
  process.stdout.write(v);' "$image_json" "$1" || exit 2; }
digest="$(read_json digest)"
tag="$(read_json tag)"
archive="$(dirname "$image_json")/$(read_json archive)"
[[ -n $repository ]] || repository="$(read_json repository)"
[[ $repository =~ ^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$ ]] || usage_error "--repository '$repository' is not a valid repository path"
[[ -f $archive ]] || usage_error "$archive not found: run \`npm run image\` first"

if [[ -z $tls_verify ]]; then
  host="${registry%:*}"; [[ $registry == \[*\]* ]] && host="${registry%%]*}]"
  case "$host" in 127.*|localhost|\[::1\]) tls_verify=false ;; *) tls_verify=true ;; esac
fi

dest="docker://$registry/$repository:$tag"
log "pushing $archive ($digest) to $registry/$repository:$tag (tls-verify=$tls_verify)"
work="$(mktemp -d "${TMPDIR:-/tmp}/og-mirror.XXXX")"
trap 'rm -rf "$work"' EXIT
# --preserve-digests: refuse any conversion that would change the manifest,
# so what lands in the registry is byte-for-byte what was built and tested.
skopeo copy --quiet --preserve-digests --retry-times 2 --dest-tls-verify="$tls_verify" \
  --digestfile "$work/digest" "oci-archive:$archive" "$dest" >&2 || fail "skopeo copy to $dest failed"
pushed="$(cat "$work/digest")"
[[ $pushed == "$digest" ]] || fail "the registry stored $pushed, not the built digest $digest"
# Read it back by digest: the registry must serve the same manifest bytes.
remote="$(skopeo inspect --raw --tls-verify="$tls_verify" "docker://$registry/$repository@$digest" | sha256sum | cut -d' ' -f1)" \
  || fail "could not read $registry/$repository@$digest back"
[[ sha256:$remote == "$digest" ]] || fail "the manifest read back hashes to sha256:$remote, not $digest"

ref="$registry/$repository@$digest"
log "mirrored and verified: $ref"
if $json; then
  printf '{"registry":"%s","repository":"%s","tag":"%s","digest":"%s","reference":"%s"}\n' "$registry" "$repository" "$tag" "$digest" "$ref"
else
  printf '%s\n' "$ref"
fi
