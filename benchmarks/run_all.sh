#!/usr/bin/env bash
# Run every benchmark in sequence and summarise; see benchmarks/README.md.
#
#   benchmarks/run_all.sh                  # full sizes (1,000,000 invoice rows)
#   ROWS=100000 benchmarks/run_all.sh      # a quicker pass
#   PG_URL=postgresql://... benchmarks/run_all.sh   # also on PostgreSQL, when that server is reachable
#
# Exit status: 0 when every benchmark passes (or is skipped), 1 when one misses its target, 2 when one errs.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
python="${PYTHON:-$root/.venv/bin/python}"
rows="${ROWS:-1000000}"
pg_url="${PG_URL:-postgresql://relance:relance@127.0.0.1:5432/relance_bench}"
if [[ ! -x "$python" ]]; then
    echo "run_all.sh: no Python at $python (create the venv, or set PYTHON)" >&2
    exit 2
fi

worst=0
summary=()
run() {
    local name="$1"
    shift
    echo
    echo "=== $name: $*"
    local started=$SECONDS
    "$@"
    local status=$?
    local verdict=PASS
    case $status in
        0) ;;
        1) verdict=FAIL ;;
        3) verdict=SKIPPED status=0 ;;
        *) verdict="ERROR ($status)" status=2 ;;
    esac
    ((status > worst)) && worst=$status
    summary+=("$(printf '%-22s %-10s %5ds' "$name" "$verdict" $((SECONDS - started)))")
}

run "import (SQLite)" "$python" "$here/bench_import.py" --rows "$rows"
run "import (PostgreSQL)" "$python" "$here/bench_import.py" --rows "$rows" --database-url "$pg_url" --skip-unreachable
run "decide (1M invoices)" "$python" "$here/bench_decide.py" --invoices "$rows"
run "decide (peer data)" "$python" "$here/bench_decide.py" --peer
run "statement PDF" "$python" "$here/bench_statement_pdf.py"
run "render e-mails" "$python" "$here/bench_render.py"
run "send e-mails" "$python" "$here/bench_send.py"
run "daily run (peer data)" "$python" "$here/bench_daily.py"

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
exit "$worst"
