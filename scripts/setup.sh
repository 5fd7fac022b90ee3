#!/usr/bin/env bash
# Installs what building and testing Shushu needs on Debian 12, and nothing that is
# already there: the C libraries (-dev packages), the tools the tests and
# benchmarks use, Chromium and CJK fonts for the browser tests, and the npm
# packages of web/ and tests/. Called by make; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  gcc make pkg-config clang libclang-rt-14-dev     # compilers; clang for libFuzzer
  libmicrohttpd-dev   # HTTP server
  libjansson-dev      # JSON
  libsqlite3-dev      # embedded store
  libpq-dev           # PostgreSQL store (libpq)
  postgresql-15       # the API tests start a throwaway PostgreSQL cluster (make test-api-pg)
  libsodium-dev       # argon2id, randomness, AEAD, hashing
  libcsv-dev          # CSV parsing (code tables, imports)
  libssl-dev          # SM3 (HMAC-SM3 audit chain) where Chinese standards ask for it
  libzip-dev libxml2-dev   # reading XLSX imports (a zip of XML parts)
  libxlsxwriter-dev   # writing XLSX templates and exports
  libgmime-3.0-dev    # MIME parser for xAPI statements with attachments (multipart/mixed)
  sqlite3             # the sqlite3 shell, used by tests to tamper with databases
  zip unzip           # tests build hostile OneRoster zips and read exported ones
  clang-format clang-tidy cppcheck   # make lint
  wrk                 # make bench
  chromium fonts-noto-cjk            # browser tests and readable screenshots
  nodejs npm
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node and npm may come from outside Debian's packages; then they are present as commands
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for dir in web tests; do
  if [ -f "$dir/package-lock.json" ] && { [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    echo "setup: npm ci in $dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
echo "setup: ready"
