#!/usr/bin/env bash
# What analysis (findings.json, logs/signatures.json, report.html) adds to a default collection:
# `casefile collect` with and without the hidden --no-analysis flag, alternating, N runs each,
# inside a fresh empty network namespace. Prints median wall times and the difference.
#   scripts/bench-analysis.sh [N]        (default 11)
set -euo pipefail
n=${1:-11}
cd "$(dirname "$0")/.."
go build -trimpath -o /tmp/casefile-bench ./cmd/casefile
ns=casefile-bench-$$
ip netns add "$ns"
ip -n "$ns" link set lo up
work=$(mktemp -d)
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$work/with"; : > "$work/without"
for i in $(seq "$n"); do
	for mode in with without; do
		rm -rf "$work/out" && mkdir -p "$work/out"
		flag=(); [ "$mode" = without ] && flag=(--no-analysis)
		ip netns exec "$ns" /usr/bin/time -f "%e" -o "$work/t" /tmp/casefile-bench collect --out "$work/out" "${flag[@]}" >/dev/null 2>&1 || true
		cat "$work/t" >> "$work/$mode"
	done
done
w=$(median < "$work/with"); wo=$(median < "$work/without")
printf 'with analysis:    median %ss  (all: %s)\n' "$w" "$(tr '\n' ' ' < "$work/with")"
printf 'without analysis: median %ss  (all: %s)\n' "$wo" "$(tr '\n' ' ' < "$work/without")"
printf 'analysis adds %.1f%% (load average at end: %s)\n' "$(echo "($w-$wo)*100/$wo" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
