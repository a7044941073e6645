#!/usr/bin/env bash
# Whole-process wall time and peak RSS of `casefile collect` (default spec) beside
# `sos report --batch`, median of N runs each. Both run inside a fresh, empty network namespace so
# neither can send traffic beyond this machine. Needs root, GNU time and Debian's sosreport.
#   scripts/bench-collect.sh [N]        (default 5)
set -euo pipefail
n=${1:-5}
cd "$(dirname "$0")/.."
go build -trimpath -o /tmp/casefile-bench ./cmd/casefile
ns=casefile-bench-$$
ip netns add "$ns"
ip -n "$ns" link set lo up
work=$(mktemp -d)
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run() { # name, command...
	local name=$1; shift
	: > "$work/$name.txt"
	for i in $(seq "$n"); do
		rm -rf "$work/out" && mkdir -p "$work/out"
		ip netns exec "$ns" /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1 || true
		cat "$work/t" >> "$work/$name.txt"
	done
	wall=$(awk '{print $1}' "$work/$name.txt" | median)
	rss=$(awk '{print $2}' "$work/$name.txt" | median)
	printf '%-10s runs=%d  median wall=%ss  median peak RSS=%.1f MB   (all: %s)\n' "$name" "$n" "$wall" "$(echo "$rss/1024" | bc -l)" "$(tr '\n' ' ' < "$work/$name.txt")"
}

run casefile /tmp/casefile-bench collect --out "$work/out"
if command -v sos >/dev/null; then
	run sos sos report --batch --quiet --tmp-dir "$work/out"
fi
