#!/usr/bin/env bash
# Makes sure `promtool` (and the `prometheus` binary, for suites that run a private Prometheus) are on PATH, from
# the Debian/Ubuntu package `prometheus`. Idempotent: does nothing when both are there. The package's maintainer
# scripts enable and start a system Prometheus on :9090; ragops never uses it (suites start their own on free
# ports), so when this script installed the package it stops and disables that daemon again. A Prometheus that
# was installed before is left as it was.
set -euo pipefail
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  echo "[promtool] $(promtool --version 2>&1 | head -n 1)" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[promtool] promtool not found and no apt-get: install Prometheus and put promtool on PATH (or set PROMTOOL)" >&2
  exit 1
fi

was_installed=$(dpkg-query -W -f='${Status}' prometheus 2>/dev/null || true)
echo "[promtool] installing Debian package prometheus" >&2
sudo_ apt-get update -qq >&2
# Without recommends: they pull in prometheus-node-exporter, another daemon (:9100) nothing here needs.
sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2

if [[ "$was_installed" != *"install ok installed"* ]]; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    sudo_ systemctl disable --now prometheus.service >&2 || true
  elif [ -x /etc/init.d/prometheus ]; then
    # sysvinit, or a container whose policy-rc.d already kept it from starting: stopping is then a no-op.
    sudo_ /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    if command -v update-rc.d >/dev/null 2>&1; then sudo_ update-rc.d prometheus disable >/dev/null 2>&1 || true; fi
  fi
fi
if ! command -v promtool >/dev/null 2>&1; then
  echo "[promtool] the prometheus package is installed but promtool is not on PATH" >&2
  exit 1
fi
echo "[promtool] $(promtool --version 2>&1 | head -n 1)" >&2
