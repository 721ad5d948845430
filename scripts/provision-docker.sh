#!/usr/bin/env bash
# Gets a Docker engine and the offline test image ready for the Docker
# containerizer's tests. Idempotent: quiet when everything is already there.
#   1. dockerd (Debian's docker.io) installed, when missing
#   2. dockerd answering on its socket, started in the background when not
#      (log: /var/log/tessera-dockerd.log); falls back to the vfs storage
#      driver and no bridge/iptables when the defaults do not start here
#   3. the image tessera-test/busybox:latest, built with `docker import` from a
#      busybox-static root filesystem: nothing is pulled from a registry
# Needs root (apt-get, dockerd). Environment: TESSERA_TEST_IMAGE overrides the
# image name; DOCKER_HOST is honoured by the docker CLI as usual.
set -euo pipefail

IMAGE="${TESSERA_TEST_IMAGE:-tessera-test/busybox:latest}"
LOG="${TESSERA_DOCKERD_LOG:-/var/log/tessera-dockerd.log}"
START_TIMEOUT="${TESSERA_DOCKERD_TIMEOUT:-60}"

say() { echo "provision-docker: $*"; }
fail() { echo "provision-docker: ERROR: $*" >&2; exit 1; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    fail "$1 needs root. Run as root, or prepare by hand: apt-get install docker.io busybox-static; start dockerd; then run this script again (it only checks once all is there)."
  fi
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  # The image has no libc: its busybox must be the static one (Debian's plain busybox is dynamic).
  if [ ! -x /bin/busybox ] || [[ "$(ldd /bin/busybox 2>&1)" != *"not a dynamic"* ]]; then missing+=(busybox-static); fi
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "installing ${missing[*]}"
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "${missing[@]}" >/tmp/tessera-apt.log 2>&1; then
    say "apt-get install failed; running apt-get update first"
    apt-get update -qq >/tmp/tessera-apt.log 2>&1 || { tail -20 /tmp/tessera-apt.log >&2; fail "apt-get update failed"; }
    apt-get install -y -qq "${missing[@]}" >/tmp/tessera-apt.log 2>&1 || { tail -20 /tmp/tessera-apt.log >&2; fail "apt-get install ${missing[*]} failed"; }
  fi
}

docker_answers() { docker info >/dev/null 2>&1; }

# Starts dockerd with the given extra flags; true once `docker info` answers.
try_dockerd() {
  say "starting dockerd $* (log: $LOG)"
  mkdir -p "$(dirname "$LOG")"
  # setsid: dockerd must outlive this script and the test run that started it.
  setsid dockerd "$@" >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  local deadline=$((SECONDS + START_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    if docker_answers; then say "dockerd is up (pid $pid)"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then say "dockerd exited; last lines of $LOG:"; tail -15 "$LOG" >&2; return 1; fi
    sleep 0.5
  done
  say "dockerd did not answer within ${START_TIMEOUT}s; last lines of $LOG:"
  tail -15 "$LOG" >&2
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 1
}

start_dockerd() {
  docker_answers && return 0
  if [ "$(id -u)" != 0 ] && [ -S /var/run/docker.sock ] && [[ "$(docker info 2>&1)" == *"permission denied"* ]]; then
    fail "dockerd runs but $(id -un) may not use /var/run/docker.sock: run as root, or join the docker group"
  fi
  need_root "starting dockerd"
  if pgrep -x dockerd >/dev/null 2>&1; then
    # One is starting (or stuck): give it the timeout before starting another.
    local deadline=$((SECONDS + START_TIMEOUT))
    while [ $SECONDS -lt $deadline ]; do docker_answers && return 0; sleep 0.5; done
    fail "a dockerd process runs but does not answer; see $LOG, stop it, and run this script again"
  fi
  # Defaults first; then what works inside containers and small VMs.
  try_dockerd && return 0
  try_dockerd --storage-driver=vfs && return 0
  try_dockerd --storage-driver=vfs --iptables=false --bridge=none && return 0
  fail "dockerd would not start (see $LOG)"
}

build_image() {
  docker image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  say "building $IMAGE from busybox-static (docker import, offline)"
  local rootfs
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' RETURN
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,tmp,etc,proc,sys,dev,root}
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  chroot "$rootfs" /bin/busybox --install -s
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
  echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' \
    - "$IMAGE" >/dev/null
  docker run --rm "$IMAGE" true || fail "the image $IMAGE was built but cannot run 'true'"
  say "built $IMAGE"
}

install_packages
start_dockerd
build_image
