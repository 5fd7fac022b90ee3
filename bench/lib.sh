# lib.sh — helpers for the benchmarks (sourced by bench/run.sh): free ports, starting
# and stopping servers, running wrk and reading its numbers, and the result table.

# A free TCP port on the loopback interface.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Wait until URL answers (up to 10 s).
wait_http() {
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: $1 did not answer" >&2
  return 1
}

PIDS=()
stop_all() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  PIDS=()
}

# wrk_run URL [extra wrk args…] → prints "rps p50_ms p99_ms" (keep-alive; BENCH_SECONDS, BENCH_CONNS)
wrk_run() {
  local url=$1
  shift
  wrk -t2 -c"${BENCH_CONNS:-64}" -d"${BENCH_SECONDS:-8}s" --latency "$@" "$url" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }'
}

ROWS=()
# add_row NAME "rps p50 p99"
add_row() { ROWS+=("$1|$2"); }

print_table() {
  printf '\n%-40s %14s %10s %10s\n' "target" "requests/s" "p50 ms" "p99 ms"
  printf '%-40s %14s %10s %10s\n' "----------------------------------------" "----------" "------" "------"
  for r in "${ROWS[@]}"; do
    local name=${r%%|*} nums=${r#*|}
    read -r rps p50 p99 <<<"$nums"
    printf '%-40s %14s %10s %10s\n' "$name" "$rps" "$p50" "$p99"
  done
}

# better "a b c" "d e f" → the one with more requests/s
better() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); print (x[1] >= y[1] ? a : b) }'; }
