#!/usr/bin/env bash
# Makes sure NATS (with JetStream) and Redis answer on loopback: reuses running ones, otherwise installs the
# Debian packages when missing and starts them with throwaway data directories.
set -euo pipefail
NATS_PORT=${NATS_PORT:-4222}
REDIS_PORT=${REDIS_PORT:-6379}
STATE=${RAGOPS_SERVICE_STATE:-/tmp/ragops-services}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { for _ in $(seq 1 50); do answers "$1" && return 0; sleep 0.2; done; echo "[services] $2 did not come up on :$1" >&2; return 1; }
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
install_pkg() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "[services] installing Debian package $2" >&2
  [ -n "$apt_updated" ] || { sudo_ apt-get update -qq >&2; apt_updated=1; }
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2
}
mkdir -p "$STATE"
# Some suites start private servers (a nats-server per suite that runs service replicas, a redis-server that the
# restart test kills), so the binaries are needed even when shared ones already answer.
install_pkg nats-server nats-server
install_pkg redis-server redis-server

if answers "$NATS_PORT"; then
  echo "[services] NATS answers on :$NATS_PORT (reusing it)" >&2
else
  install_pkg nats-server nats-server
  NATS_BIN=$(command -v nats-server || echo /usr/sbin/nats-server)
  nohup "$NATS_BIN" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$STATE/nats" >"$STATE/nats.log" 2>&1 &
  wait_for "$NATS_PORT" NATS
  echo "[services] started NATS with JetStream on :$NATS_PORT" >&2
fi

if answers "$REDIS_PORT"; then
  echo "[services] Redis answers on :$REDIS_PORT (reusing it)" >&2
else
  install_pkg redis-server redis-server
  REDIS_BIN=$(command -v redis-server || echo /usr/bin/redis-server)
  "$REDIS_BIN" --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --dir "$STATE" --logfile "$STATE/redis.log"
  wait_for "$REDIS_PORT" Redis
  echo "[services] started Redis on :$REDIS_PORT" >&2
fi
