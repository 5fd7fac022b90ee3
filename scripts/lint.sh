#!/usr/bin/env bash
# make lint: clang-format (style, .clang-format), clang-tidy (.clang-tidy: bug
# patterns and the static analyzer) and cppcheck over the C sources. Any finding
# fails. Run `scripts/lint.sh --fix` to apply clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find src tests/unit tests/fuzz bench -name '*.[ch]' 2>/dev/null | sort)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
echo "lint: clang-format"
clang-format --dry-run -Werror "${files[@]}"
flags=(-std=c17 -D_GNU_SOURCE -Isrc $(pkg-config --cflags libmicrohttpd jansson sqlite3 libpq libsodium libcrypto libzip libxml-2.0 xlsxwriter gmime-3.0))
mapfile -t csrc < <(find src -name '*.c' | sort)
echo "lint: clang-tidy (${#csrc[@]} files)"
export TIDY_FLAGS="${flags[*]}"
out=$(printf '%s\n' "${csrc[@]}" | xargs -P "$(nproc)" -I{} sh -c 'clang-tidy --quiet "$1" -- $TIDY_FLAGS 2>/dev/null' _ {} || true)
if printf '%s\n' "$out" | grep -qE '(warning|error):'; then
  printf '%s\n' "$out" | grep -E -A3 '(warning|error):'
  exit 1
fi
echo "lint: cppcheck"
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability --inline-suppr \
  --suppress=missingIncludeSystem -Isrc -D_GNU_SOURCE src
echo "lint: ok"
