#!/usr/bin/env bash
# Instruction-count guard (issue #9, #17): renders each fixed workload under callgrind and fails
# when a count leaves the band -30 %..+10 % around the budget in perf/instruction-budget.txt.
# Growth past +10 % is a slowdown; a drop past -30 % means the workload stopped doing its work
# (a count that collapses to zero, a voice that never starts), which must fail just as loudly.
# Instruction counts do not depend on machine load, so this cannot be fooled by a noisy CI box.
#   scripts/perf-guard.sh                    check
#   scripts/perf-guard.sh --update "REASON"  rebase the budget on the current counts (after a
#                                            deliberate change); REASON is required and is
#                                            appended with the old and new counts to
#                                            perf/budget-history.txt, so no rebase is silent.
set -euo pipefail
cd "$(dirname "$0")/.."

BUDGET=perf/instruction-budget.txt
HISTORY=perf/budget-history.txt
TOLERANCE_PERCENT=10
DROP_TOLERANCE_PERCENT=30
# Issue 15 item 7: 64 Density Meters in one session cost at most 64 times one meter plus 5 %:
# the count of 64 tracks in one session over the count of the same 64 tracks each alone.
SESSION_RATIO_MAX=1.05

if [ "${1:-}" = "--update" ] && [ -z "${2:-}" ]; then
  echo "perf-guard: --update needs a reason, e.g. scripts/perf-guard.sh --update \"detector confirmation step\"" >&2
  exit 2
fi

if ! command -v valgrind >/dev/null 2>&1; then
  echo "perf-guard: valgrind is missing (scripts/setup.sh installs it)" >&2
  exit 1
fi

cargo build --release -q -p catalyst-perf --bin perf-render
BIN=target/release/perf-render
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

declare -A measured
declare -A seconds
while read -r name secs; do
  seconds[$name]=$secs
done < <("$BIN")
for name in $(printf '%s\n' "${!seconds[@]}" | sort); do
  valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.cg" \
    --toggle-collect='catalyst_perf_measured' "$BIN" "$name" 2>/dev/null
  count=$(awk '/^summary:/ {print $2}' "$OUT/$name.cg")
  measured[$name]=$count
done

if [ "${1:-}" = "--update" ]; then
  {
    echo "## $(date -u +%Y-%m-%dT%H:%MZ) $(git rev-parse --short HEAD 2>/dev/null || echo unknown): $2"
    for name in $(printf '%s\n' "${!measured[@]}" | sort); do
      old=$(awk -v n="$name" '$1 == n {print $2}' "$BUDGET" 2>/dev/null)
      echo "$name ${old:-none} -> ${measured[$name]}"
    done
  } >> "$HISTORY"
  {
    echo "# Instructions per render (48 kHz, 64-sample blocks), counted by callgrind; the third"
    echo "# column is the seconds rendered (perf/src/lib.rs guarded_workloads)."
    echo "# Written by scripts/perf-guard.sh --update; CI fails outside -${DROP_TOLERANCE_PERCENT}%..+${TOLERANCE_PERCENT}%;"
    echo "# every rebase and its reason is in $HISTORY."
    for name in $(printf '%s\n' "${!measured[@]}" | sort); do
      echo "$name ${measured[$name]} ${seconds[$name]}"
    done
  } > "$BUDGET"
  echo "perf-guard: budget updated:"; cat "$BUDGET"
  exit 0
fi

status=0
printf '%-28s %16s %16s %8s\n' workload budget measured change
for name in $(printf '%s\n' "${!measured[@]}" | sort); do
  budget=$(awk -v n="$name" '$1 == n {print $2}' "$BUDGET")
  if [ -z "$budget" ]; then
    echo "perf-guard: no budget for '$name' in $BUDGET (run scripts/perf-guard.sh --update REASON)" >&2
    status=1
    continue
  fi
  budget_seconds=$(awk -v n="$name" '$1 == n {print $3}' "$BUDGET")
  if [ "$budget_seconds" != "${seconds[$name]}" ]; then
    echo "perf-guard: '$name' now renders ${seconds[$name]} s, its budget is for ${budget_seconds:-?} s (run scripts/perf-guard.sh --update REASON)" >&2
    status=1
    continue
  fi
  count=${measured[$name]}
  change=$(awk -v m="$count" -v b="$budget" 'BEGIN { printf "%+.1f%%", (m - b) * 100 / b }')
  printf '%-28s %16s %16s %8s\n' "$name" "$budget" "$count" "$change"
  if awk -v m="$count" -v b="$budget" -v t="$TOLERANCE_PERCENT" 'BEGIN { exit !(m > b * (1 + t / 100)) }'; then
    echo "perf-guard: '$name' grew more than ${TOLERANCE_PERCENT}% over its budget" >&2
    status=1
  fi
  if awk -v m="$count" -v b="$budget" -v t="$DROP_TOLERANCE_PERCENT" 'BEGIN { exit !(m < b * (1 - t / 100)) }'; then
    echo "perf-guard: '$name' fell more than ${DROP_TOLERANCE_PERCENT}% under its budget (did the workload stop working?)" >&2
    status=1
  fi
done
together=${measured[density-session-64-together]:-}
alone=${measured[density-session-64-alone]:-}
if [ -n "$together" ] && [ -n "$alone" ]; then
  ratio=$(awk -v t="$together" -v a="$alone" 'BEGIN { printf "%.4f", t / a }')
  echo "density-session-64 together / alone: $ratio (at most $SESSION_RATIO_MAX)"
  if awk -v r="$ratio" -v m="$SESSION_RATIO_MAX" 'BEGIN { exit !(r > m) }'; then
    echo "perf-guard: 64 meters in one session cost more than ${SESSION_RATIO_MAX} x the same 64 alone" >&2
    status=1
  fi
fi
for name in $(awk '!/^#/ {print $1}' "$BUDGET"); do
  if [ -z "${measured[$name]+x}" ]; then
    echo "perf-guard: budgeted workload '$name' no longer exists" >&2
    status=1
  fi
done
exit $status
