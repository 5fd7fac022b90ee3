#!/usr/bin/env bash
# import.sh — the city-scale student import against a raw load of the same file,
# measured in one run (called by bench/run.sh; runs on its own too).
#
# `shushu demo --scale city --files DIR` builds the organisation tree of the
# 2,000-school city and writes its students (about 1.2 million rows, with ID
# numbers, 学籍号, codes, classes, phones and addresses) to DIR/students.csv. The
# baseline is the sqlite3 shell's `.import --csv` of that file into a bare table
# (no validation, no keys, no encryption); ours is `shushu import students` with
# everything it does: validation of every field, dedup on the ID number's keyed
# hash, encryption of the L4 fields, the change log and every index. Target: ours
# within 3× of the baseline. A third line, the floor, writes the same rows into
# our own tables by SQL alone (bench/import_floor.sql: no validation, encryption
# or dedup), to show how much of the time the schema itself takes.
# BENCH_IMPORT_SCALE=small uses the 60-school city (30,000 rows) for a quick look.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scale=${BENCH_IMPORT_SCALE:-city}

build/shushu demo --db "$tmp/city.db" --scale "$scale" --files "$tmp" >/dev/null
rows=$(($(wc -l <"$tmp/students.csv") - 1))
size=$(du -m "$tmp/students.csv" | cut -f1)

# seconds (3 decimals) and peak resident KB of a command
measure() {
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; return 1; }
  cat "$tmp/time"
}
read -r raw_s raw_kb < <(measure sqlite3 "$tmp/raw.db" ".import --csv $tmp/students.csv students")
# the floor: the same rows written into our tables by SQL alone (bench/import_floor.sql),
# loaded into a copy of the city's database (timed: the SQL only, not the raw load before it)
cp "$tmp/city.db" "$tmp/floor.db"
sed '1s/^\xEF\xBB\xBF//' "$tmp/students.csv" >"$tmp/plain.csv"
sqlite3 "$tmp/floor.db" ".import --csv $tmp/plain.csv raw"
read -r floor_s floor_kb < <(measure sqlite3 "$tmp/floor.db" ".read bench/import_floor.sql")
[ "$(sqlite3 "$tmp/floor.db" 'SELECT count(*) FROM enrollment')" = "$rows" ] || { echo "bench: the floor did not write $rows enrolments" >&2; exit 1; }
rm -f "$tmp/floor.db" "$tmp/plain.csv"
read -r ours_s ours_kb < <(measure build/shushu import students "$tmp/students.csv" --db "$tmp/city.db")
grep -q "导入完成：新建 $rows 条" "$tmp/out" || { echo "bench: the import did not create $rows students:" >&2; cat "$tmp/out" >&2; exit 1; }

printf '%-52s %10s %12s %10s\n' "import of students.csv ($rows rows, $size MB)" "seconds" "rows/s" "peak MB"
printf '%-52s %10s %12s %10s\n' "sqlite3 .import into a bare table" "$raw_s" \
  "$(awk -v r="$rows" -v s="$raw_s" 'BEGIN { printf "%.0f", r / s }')" "$((raw_kb / 1024))"
printf '%-52s %10s %12s %10s\n' "floor: the same rows by SQL into our tables" "$floor_s" \
  "$(awk -v r="$rows" -v s="$floor_s" 'BEGIN { printf "%.0f", r / s }')" "$((floor_kb / 1024))"
printf '%-52s %10s %12s %10s\n' "shushu import students (validated, encrypted, logged)" "$ours_s" \
  "$(awk -v r="$rows" -v s="$ours_s" 'BEGIN { printf "%.0f", r / s }')" "$((ours_kb / 1024))"
ratio=$(awk -v a="$ours_s" -v b="$raw_s" 'BEGIN { printf "%.1f", a / b }')
echo "shushu import vs sqlite3 .import: ${ratio}× the time (target ≤ 3×)"
echo "floor vs sqlite3 .import: $(awk -v a="$floor_s" -v b="$raw_s" 'BEGIN { printf "%.1f", a / b }')× the time;" \
  "shushu import vs floor: $(awk -v a="$ours_s" -v b="$floor_s" 'BEGIN { printf "%.1f", a / b }')×"
awk -v r="$ratio" 'BEGIN { exit (r <= 3 ? 0 : 1) }' || { echo "bench: import slower than 3× the raw load" >&2; exit 1; }
