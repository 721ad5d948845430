#!/usr/bin/env bash
# ZooKeeper for the high-availability tests (issue 5). Idempotent.
#
#   provision-zookeeper.sh install
#       Installs Debian's `zookeeper` package when /usr/share/java/zookeeper.jar
#       is missing (needs root; Java 17 must be present), and `libfaketime`
#       (the clock-jump test). Quiet when installed.
#   provision-zookeeper.sh start [-n N] [-d DIR] [-t TICK_MS]
#       Installs when needed, then starts an N-server ensemble (default 3) on
#       127.0.0.1, each server with its own data dir and ports under DIR
#       (default: a new temp dir), and waits until every server answers `ruok`
#       and `srvr` reports it serving (leader, follower or standalone). The last
#       line on stdout is the connect string; DIR/connect holds it too, and
#       DIR/zk<i>/pid each server's pid. Logs: DIR/zk<i>/server.log.
#   provision-zookeeper.sh start-server DIR I
#       (Re)starts server I (1-based) of an ensemble made by `start`, with the
#       same config, without waiting for it to serve (it may have no quorum).
#   provision-zookeeper.sh wait DIR [I...]
#       Waits until the given servers (default all) serve.
#   provision-zookeeper.sh stop DIR [I]
#       Stops server I, or every server of DIR (SIGCONT first: a paused JVM
#       cannot act on SIGTERM), SIGKILL after 5 s. Leaves DIR in place.
#
# The servers run the jar directly (not Debian's zkServer.sh / systemd unit),
# so tests need neither root nor the system-wide config and never touch a
# ZooKeeper the host may run. Environment: TESSERA_ZK_START_TIMEOUT (seconds,
# default 60), JAVA (default java).
set -euo pipefail

JAR=/usr/share/java/zookeeper.jar
JAVA="${JAVA:-java}"
START_TIMEOUT="${TESSERA_ZK_START_TIMEOUT:-60}"

say() { echo "provision-zookeeper: $*" >&2; }
fail() { echo "provision-zookeeper: ERROR: $*" >&2; exit 1; }

# libfaketime: test/ha/clock-jump.test.ts moves the masters' and agents' wall
# clock with it. Installed beside ZooKeeper (same step, same apt rules).
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

install() {
  command -v "$JAVA" >/dev/null 2>&1 || fail "no java on PATH (ZooKeeper needs a JRE; Java 17 expected)"
  if [ ! -f "$FAKETIME_LIB" ] && [ "$(id -u)" = 0 ]; then
    say "installing libfaketime (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/tmp/tessera-apt-faketime.log 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/tmp/tessera-apt-faketime.log 2>&1; } \
      || { tail -20 /tmp/tessera-apt-faketime.log >&2; fail "apt-get install libfaketime failed"; }
  fi
  [ -f "$JAR" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    fail "installing zookeeper needs root. Run as root, or: apt-get install -y zookeeper"
  fi
  say "installing zookeeper (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq zookeeper >/tmp/tessera-apt-zk.log 2>&1; then
    say "apt-get install failed; running apt-get update first"
    apt-get update -qq >/tmp/tessera-apt-zk.log 2>&1 || { tail -20 /tmp/tessera-apt-zk.log >&2; fail "apt-get update failed"; }
    apt-get install -y -qq zookeeper >/tmp/tessera-apt-zk.log 2>&1 || { tail -20 /tmp/tessera-apt-zk.log >&2; fail "apt-get install zookeeper failed"; }
  fi
  # Debian's package enables a system-wide server on 2181; the tests do not use it.
  [ -f "$JAR" ] || fail "zookeeper installed but $JAR is missing"
}

port_free() { ! ss -Htan "sport = :$1" 2>/dev/null | grep -q .; }

# Picks N*3 free loopback ports from a random base, so parallel ensembles
# (several test files) rarely collide; a collision shows up as a start failure.
pick_ports() {
  local need=$1 base port got=()
  base=$(( 20000 + (RANDOM * 7 + $$) % 30000 ))
  port=$base
  while [ ${#got[@]} -lt "$need" ]; do
    port_free "$port" && got+=("$port")
    port=$((port + 1))
  done
  echo "${got[@]}"
}

# Sends a four-letter word; prints the answer (empty when nothing answers).
four() {
  local port=$1 word=$2
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 0
    printf '%s' "$word" >&3
    timeout 2 cat <&3 || true
  ) 2>/dev/null || true
}

serving() {
  local port=$1
  [ "$(four "$port" ruok)" = imok ] || return 1
  four "$port" srvr | grep -Eq '^Mode: (leader|follower|standalone)'
}

server_count() { ls -d "$1"/zk* 2>/dev/null | wc -l; }

start_server() {
  local dir=$1 i=$2 sdir="$1/zk$2"
  [ -f "$sdir/zoo.cfg" ] || fail "no server $i in $dir (missing $sdir/zoo.cfg)"
  if [ -f "$sdir/pid" ] && kill -0 "$(cat "$sdir/pid")" 2>/dev/null; then return 0; fi
  # setsid: the server must outlive this script and not get the caller's terminal signals.
  setsid "$JAVA" -Xms64m -Xmx256m -XX:+UseSerialGC \
    -Dzookeeper.log.dir="$sdir" -Dzookeeper.root.logger=INFO,CONSOLE \
    -cp "$JAR" org.apache.zookeeper.server.quorum.QuorumPeerMain "$sdir/zoo.cfg" \
    >>"$sdir/server.log" 2>&1 </dev/null &
  echo $! >"$sdir/pid"
}

wait_serving() {
  local dir=$1; shift
  local ids=("$@") deadline=$((SECONDS + START_TIMEOUT)) i pending
  [ ${#ids[@]} -gt 0 ] || mapfile -t ids < <(seq 1 "$(server_count "$dir")")
  while :; do
    pending=()
    for i in "${ids[@]}"; do serving "$(cat "$dir/zk$i/client_port")" || pending+=("$i"); done
    [ ${#pending[@]} -eq 0 ] && return 0
    [ $SECONDS -ge $deadline ] && { for i in "${pending[@]}"; do tail -20 "$dir/zk$i/server.log" >&2; done; fail "servers ${pending[*]} not serving after ${START_TIMEOUT}s (logs above, $dir)"; }
    sleep 0.2
  done
}

start() {
  local n=3 dir="" tick=500 OPTIND opt
  while getopts "n:d:t:" opt; do
    case $opt in
      n) n=$OPTARG ;; d) dir=$OPTARG ;; t) tick=$OPTARG ;;
      *) fail "usage: start [-n N] [-d DIR] [-t TICK_MS]" ;;
    esac
  done
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || fail "-n must be a positive integer, got '$n'"
  [[ "$tick" =~ ^[1-9][0-9]*$ ]] || fail "-t must be a positive integer (ms), got '$tick'"
  install
  [ -n "$dir" ] || dir=$(mktemp -d /tmp/tessera-zk.XXXXXX)
  mkdir -p "$dir"
  [ "$(server_count "$dir")" -eq 0 ] || fail "$dir already holds an ensemble; stop it and use a new dir"
  local ports i servers="" connect=""
  read -r -a ports <<<"$(pick_ports $((n * 3)))"
  for i in $(seq 1 "$n"); do
    local peer=${ports[$(( (i - 1) * 3 + 1 ))]} elect=${ports[$(( (i - 1) * 3 + 2 ))]}
    servers+="server.$i=127.0.0.1:$peer:$elect"$'\n'
  done
  for i in $(seq 1 "$n"); do
    local sdir="$dir/zk$i" client=${ports[$(( (i - 1) * 3 ))]}
    mkdir -p "$sdir/data"
    echo "$i" >"$sdir/data/myid"
    echo "$client" >"$sdir/client_port"
    # A short tick keeps session timeouts (2..20 ticks) small enough for tests.
    # 4lw whitelist: `ruok`/`srvr` are how this script and the tests probe servers.
    # No admin server: it would want port 8080 on every server.
    {
      echo "tickTime=$tick"
      echo "initLimit=10"
      echo "syncLimit=5"
      echo "dataDir=$sdir/data"
      echo "clientPort=$client"
      echo "clientPortAddress=127.0.0.1"
      echo "4lw.commands.whitelist=*"
      echo "admin.enableServer=false"
      echo "maxSessionTimeout=60000"
      [ "$n" -gt 1 ] && printf '%s' "$servers"
    } >"$sdir/zoo.cfg"
    connect+="${connect:+,}127.0.0.1:$client"
  done
  echo "$connect" >"$dir/connect"
  for i in $(seq 1 "$n"); do start_server "$dir" "$i"; done
  wait_serving "$dir"
  say "ensemble of $n up in $dir"
  echo "$connect"
}

stop_one() {
  local sdir=$1 pid
  [ -f "$sdir/pid" ] || return 0
  pid=$(cat "$sdir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$sdir/pid"
}

stop() {
  local dir=${1:?usage: stop DIR [I]} i=${2:-} sdir pid pids=()
  if [ -n "$i" ]; then stop_one "$dir/zk$i"; return; fi
  # Every server at once: one by one, each later server first loses its
  # quorum and takes longer to go (seconds per ensemble in test teardowns).
  for sdir in "$dir"/zk*; do
    [ -f "$sdir/pid" ] || continue
    pid=$(cat "$sdir/pid")
    kill -0 "$pid" 2>/dev/null || { rm -f "$sdir/pid"; continue; }
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for sdir in "$dir"/zk*; do rm -f "$sdir/pid"; done
  return 0
}

cmd=${1:-install}
shift || true
case $cmd in
  install) install ;;
  start) start "$@" ;;
  start-server) start_server "${1:?usage: start-server DIR I}" "${2:?usage: start-server DIR I}" ;;
  wait) wait_serving "${1:?usage: wait DIR [I...]}" "${@:2}" ;;
  stop) stop "$@" ;;
  *) fail "unknown command '$cmd' (install | start | start-server | wait | stop)" ;;
esac
