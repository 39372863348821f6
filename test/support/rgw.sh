#!/usr/bin/env bash
# Start and stop a throwaway single-node Ceph RADOS Gateway (a real S3 server)
# on loopback, for local development and for .ci/run.
#
#   test/support/rgw.sh install         apt-get install ceph-mon ceph-osd radosgw if radosgw is missing
#   test/support/rgw.sh start [DIR]     start mon + memstore OSD + radosgw; print `export RGW_*=...` lines
#   test/support/rgw.sh stop DIR        stop the daemons by pid and remove DIR (idempotent)
#
#   eval "$(test/support/rgw.sh start)"   # then: npx ava ...; test/support/rgw.sh stop "$RGW_DIR"
#
# Recipe: /work/shared/docs/TESTING.md, "A real S3 server: Ceph RADOS Gateway".
# Everything (config, data, logs, sockets, pid files) lives in DIR; daemons bind
# 127.0.0.1 only; progress goes to stderr so stdout is only the env lines.
set -euo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Ports picked by live instances, so concurrent starts never pick the same one.
readonly PORT_REGISTRY="${TMPDIR:-/tmp}/og-rgw-ports"
readonly START_TIMEOUT="${RGW_START_TIMEOUT:-120}"
readonly STOP_TIMEOUT="${RGW_STOP_TIMEOUT:-30}"

log() { printf '[rgw] %s\n' "$*" >&2; }
LAST_ERROR=""
die() { LAST_ERROR="$*"; printf '[rgw] error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------- install ---

cmd_install() {
  if command -v radosgw >/dev/null 2>&1; then
    log "radosgw already installed: $(command -v radosgw)"
    return 0
  fi
  local pkgs=(ceph-mon ceph-osd radosgw)
  log "installing ${pkgs[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >&2; then
    log "install failed; running apt-get update and retrying"
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >&2
  fi
  command -v radosgw >/dev/null 2>&1 || die "radosgw still missing after install"
}

# ------------------------------------------------------------------ ports ---

# True when something listens on TCP port $1 (any address, v4 or v6).
port_listening() {
  local hex
  hex="$(printf '%04X' "$1")"
  awk -v p=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Drop reservations whose owning instance directory is gone (stale state).
prune_reservations() {
  local f owner
  for f in "$PORT_REGISTRY"/*; do
    [[ -f $f ]] || continue
    owner="$(cat "$f" 2>/dev/null || true)"
    [[ -n $owner && -d $owner ]] || rm -f "$f"
  done
}

# Print a port that is neither listening nor reserved, starting at $1 and
# then trying random ports in [$2, $3); reserve it for directory $4.
# Caller holds the registry lock.
reserve_port() {
  local first="$1" lo="$2" hi="$3" owner="$4" port i
  for ((i = 0; i < 200; i++)); do
    if ((i == 0)); then port="$first"; else port=$((lo + RANDOM % (hi - lo))); fi
    if [[ ! -e $PORT_REGISTRY/$port ]] && ! port_listening "$port"; then
      printf '%s\n' "$owner" >"$PORT_REGISTRY/$port"
      printf '%s\n' "$port"
      return 0
    fi
  done
  die "no free port found in $lo-$hi"
}

release_ports() {
  local dir="$1" f
  [[ -d $PORT_REGISTRY ]] || return 0
  for f in "$PORT_REGISTRY"/*; do
    [[ -f $f ]] || continue
    [[ "$(cat "$f" 2>/dev/null || true)" == "$dir" ]] && rm -f "$f"
  done
  return 0
}

# ------------------------------------------------------------------- stop ---

# Pid from a pid file, only if that process is still a daemon of this
# instance (its command line names our ceph.conf): never kill a reused pid.
instance_pid() {
  local pidfile="$1" dir="$2" pid
  [[ -f $pidfile ]] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/ceph.conf" || return 1
  printf '%s\n' "$pid"
}

# True while $1 runs. A zombie counts as exited: it has released everything,
# and some init processes (pid 1 in containers and VMs) reap orphans late.
pid_running() {
  local state
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n $state && $state != Z && $state != X ]]
}

stop_pid() {
  local pid="$1" name="$2" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  # An OSD on memstore flushes to its data directory while shutting down:
  # wait for the pid to be gone before removing the directory.
  while pid_running "$pid"; do
    if ((waited >= STOP_TIMEOUT * 10)); then
      log "$name (pid $pid) still running after ${STOP_TIMEOUT}s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((waited = 0; waited < 100; waited++)); do pid_running "$pid" && sleep 0.1 || break; done
      pid_running "$pid" && log "$name (pid $pid) survived KILL"
      return 0
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "$name exited after $((waited / 10)).$((waited % 10))s"
}

cmd_stop() {
  local dir="${1:-}"
  [[ -n $dir ]] || die "usage: rgw.sh stop DIR"
  if [[ ! -d $dir ]]; then
    log "$dir does not exist; nothing to stop"
    return 0
  fi
  dir="$(cd "$dir" && pwd)"
  [[ -f $dir/ceph.conf || -f $dir/env || -f $dir/.og-rgw ]] \
    || die "$dir does not look like an rgw.sh directory; refusing to remove it"
  local name pid
  # Gateway first (a client of the cluster), then the OSD, then the monitor.
  for name in client.rgw.a osd.0 mon.a; do
    if pid="$(instance_pid "$dir/$name.pid" "$dir")"; then
      log "stopping $name (pid $pid)"
      stop_pid "$pid" "$name"
    fi
  done
  release_ports "$dir"
  rm -rf -- "$dir"
  log "stopped and removed $dir"
}

# ------------------------------------------------------------------ start ---

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
new_uuid() { cat /proc/sys/kernel/random/uuid; }

# True once $1 (a port on 127.0.0.1) answers an HTTP request with a status line.
http_answers() {
  local status
  status="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/" 2>/dev/null || true)"
  [[ -n $status && $status != 000 ]]
}

if ! command -v curl >/dev/null 2>&1; then
  http_answers() {
    timeout 2 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3
      IFS= read -r line <&3 && [[ $line == HTTP/* ]]' _ "$1" 2>/dev/null
  }
fi

show_logs() {
  local dir="$1" f
  for f in "$dir"/*.log; do
    [[ -s $f ]] || continue
    printf '\n[rgw] ---- last 30 lines of %s ----\n' "$f" >&2
    tail -n 30 "$f" >&2 || true
  done
}

write_conf() {
  local dir="$1" fsid="$2" mon_port="$3" rgw_port="$4"
  # \$name and \$pid are Ceph metavariables, expanded by each daemon.
  cat >"$dir/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd objectstore = memstore
memstore device bytes = 4294967296
osd crush chooseleaf type = 0
# The OSD places itself in the CRUSH map by hand (osd crush add below). Its own
# start-up mon commands race its first monmap and can fail with "wrong fsid"
# when the machine is busy (two instances starting at once).
osd crush update on start = false
osd class update on start = false
run dir = $dir
log file = $dir/\$name.log
# Per-pid sockets for CLI clients (ceph, radosgw-admin), which may run at once.
admin socket = $dir/\$name.\$pid.asok
pid file = $dir/\$name.pid
keyring = $dir/keyring
log to stderr = false
err to stderr = false
log to syslog = false
mon cluster log file = $dir/cluster.log
# A one-monitor cluster has nobody to batch with: commit map changes (pool
# creation, OSD boot) quickly instead of once a second.
paxos propose interval = 0.05
paxos min wait = 0.01

[mon.a]
mon data = $dir/mon.a
admin socket = $dir/\$name.asok

[osd.0]
osd data = $dir/osd.0
admin socket = $dir/\$name.asok

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw dns name = localhost
rgw data = $dir/rgw.a
admin socket = $dir/\$name.asok
EOF
}

# Create the bucket with one signed S3 request (radosgw-admin cannot create
# buckets). Runs from the repo root so node resolves @aws-sdk/client-s3.
create_bucket() {
  local endpoint="$1" key="$2" secret="$3" bucket="$4"
  (cd "$REPO_ROOT" && RGW_ENDPOINT="$endpoint" RGW_ACCESS_KEY_ID="$key" RGW_SECRET_ACCESS_KEY="$secret" \
    RGW_BUCKET="$bucket" node --input-type=module -e '
      import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
      const s3 = new S3Client({
        endpoint: process.env.RGW_ENDPOINT,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: {
          accessKeyId: process.env.RGW_ACCESS_KEY_ID,
          secretAccessKey: process.env.RGW_SECRET_ACCESS_KEY,
        },
      });
      try {
        await s3.send(new CreateBucketCommand({ Bucket: process.env.RGW_BUCKET }));
      } catch (error) {
        // A retry after a lost response: the bucket is already ours.
        if (error?.name !== "BucketAlreadyOwnedByYou") throw error;
      }
    ')
}

cmd_start() {
  local t0=$SECONDS dir="${1:-}"
  for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool node; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run 'test/support/rgw.sh install' (and npm ci)"
  done
  [[ -d $REPO_ROOT/node_modules/@aws-sdk/client-s3 ]] || die "@aws-sdk/client-s3 missing; run npm ci in $REPO_ROOT"

  if [[ -n $dir ]]; then
    # A directory left by an earlier run: stop whatever still runs there first.
    if [[ -e $dir ]]; then
      if [[ -f $dir/ceph.conf || -f $dir/.og-rgw ]]; then
        log "$dir holds a previous instance; stopping it"
        cmd_stop "$dir"
      elif [[ -n "$(ls -A "$dir" 2>/dev/null)" ]]; then
        die "$dir exists and is not empty; give a new or empty directory"
      fi
    fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
  else
    dir="$(mktemp -d "${TMPDIR:-/tmp}/og-rgw.XXXX")"
  fi
  : >"$dir/.og-rgw"
  # Unix socket paths are limited to 107 bytes.
  ((${#dir} <= 80)) || die "directory path too long for Ceph admin sockets: $dir"

  # On any failure: show the logs, stop what was started, remove the directory.
  trap 'rc=$?; if ((rc != 0)); then
      show_logs "'"$dir"'"
      cmd_stop "'"$dir"'" >/dev/null 2>&1 || true
      log "start FAILED: ${LAST_ERROR:-a command failed (exit $rc)}; logs above; stopped and removed '"$dir"'"
    fi' EXIT

  local mon_port rgw_port
  mkdir -p "$PORT_REGISTRY"
  {
    flock -w 30 9 || die "could not lock $PORT_REGISTRY"
    prune_reservations
    mon_port="$(reserve_port 6789 10000 20000 "$dir")"
    rgw_port="$(reserve_port 7480 20000 30000 "$dir")"
  } 9>"$PORT_REGISTRY/.lock"

  local fsid osd_uuid
  fsid="$(new_uuid)"
  osd_uuid="$(new_uuid)"
  write_conf "$dir" "$fsid" "$mon_port" "$rgw_port"
  local conf=(-c "$dir/ceph.conf")
  mkdir -p "$dir/mon.a" "$dir/osd.0" "$dir/rgw.a"
  log "dir $dir, mon 127.0.0.1:$mon_port, rgw 127.0.0.1:$rgw_port"

  # Tool chatter goes to setup.log; it is shown (with the daemon logs) on failure.
  local out="$dir/setup.log"
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >>"$out" 2>&1
  monmaptool --create --addv a "v1:127.0.0.1:$mon_port" --fsid "$fsid" "$dir/monmap" >>"$out" 2>&1
  ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" >>"$out" 2>&1
  start_daemon mon.a true ceph-mon "${conf[@]}" -i a
  log "mon.a started ($((SECONDS - t0))s)"

  local osd_id
  osd_id="$(retry ceph "${conf[@]}" --connect-timeout 30 osd create "$osd_uuid" 2>>"$out")"
  [[ $osd_id == 0 ]] || die "expected osd id 0, got '$osd_id'"
  retry ceph "${conf[@]}" osd crush add osd.0 1.0 host=localhost root=default >>"$out" 2>&1
  ceph-osd "${conf[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$out" 2>&1
  start_daemon osd.0 osd_up ceph-osd "${conf[@]}" -i 0
  log "osd.0 up ($((SECONDS - t0))s)"

  start_daemon client.rgw.a "http_answers $rgw_port" radosgw "${conf[@]}" -n client.rgw.a
  log "radosgw answers on 127.0.0.1:$rgw_port ($((SECONDS - t0))s)"

  local access_key secret_key bucket endpoint="http://127.0.0.1:$rgw_port"
  access_key="$(random_hex 10 | tr 'a-f' 'A-F')"
  secret_key="$(random_hex 20)"
  bucket="og-test-$(random_hex 4)"
  retry create_user >>"$out" 2>&1 || die "radosgw-admin user create failed"
  retry create_bucket "$endpoint" "$access_key" "$secret_key" "$bucket" >>"$out" 2>&1 \
    || die "could not create bucket $bucket at $endpoint"

  cat >"$dir/env" <<EOF
export RGW_ENDPOINT=$endpoint
export RGW_ACCESS_KEY_ID=$access_key
export RGW_SECRET_ACCESS_KEY=$secret_key
export RGW_BUCKET=$bucket
export RGW_REGION=us-east-1
export RGW_DIR=$dir
EOF
  trap - EXIT
  log "ready in $((SECONDS - t0))s; stop with: test/support/rgw.sh stop $dir"
  cat "$dir/env"
}

# The helpers below run inside cmd_start and use its locals (dir, conf, out, ...).

osd_up() {
  ceph "${conf[@]}" --connect-timeout 10 osd dump 2>/dev/null | grep -qE '^osd\.0 up'
}

# Idempotent, so it can be retried: an existing user with our key is success.
create_user() {
  radosgw-admin "${conf[@]}" user create --uid=test --display-name=test \
    --access-key="$access_key" --secret-key="$secret_key" && return 0
  radosgw-admin "${conf[@]}" user info --uid=test | grep -qF "$access_key"
}

# Run "$@" up to 5 times. With auth none a Ceph client can send its first mon
# command before it holds the monmap; the mon then refuses it ("wrong fsid",
# "EPERM: problem getting command descriptions"). Seen with concurrent starts.
retry() {
  local attempt
  for attempt in 1 2 3 4 5; do
    "$@" && return 0
    log "attempt $attempt of '$1 ${*:2:4}...' failed; retrying"
    sleep 0.5
  done
  return 1
}

# Start daemon $1 with "${@:3}" and wait until the command $2 succeeds. If the
# daemon fails to start or dies before it is ready (the same mon race can abort
# it during init), start it again, up to three times.
start_daemon() {
  local name="$1" ready="$2" attempt deadline pidfile="$dir/$1.pid" launched
  shift 2
  for attempt in 1 2 3; do
    if "$@" >>"$out" 2>&1; then
      launched=$SECONDS
      deadline=$((SECONDS + START_TIMEOUT))
      while ! $ready; do
        ((SECONDS < deadline)) || die "timed out after ${START_TIMEOUT}s waiting for $name"
        # Dead: pid file left by a crash, or never written / removed on exit.
        if [[ -f $pidfile ]]; then
          instance_pid "$pidfile" "$dir" >/dev/null || break
        elif ((SECONDS - launched > 5)); then
          break
        fi
        sleep 0.2
      done
      $ready && return 0
    fi
    log "$name failed to start (attempt $attempt of 3); see $dir/$name.log"
    rm -f "$pidfile"
    sleep 0.5
  done
  die "$name did not start"
}

case "${1:-}" in
  install) cmd_install ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
