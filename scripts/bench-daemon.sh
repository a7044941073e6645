#!/usr/bin/env bash
# What `casefile daemon` costs while it watches: ten monitors (4 tcp, 3 http, 3 dns) at a 5 s
# interval against loopback targets (TCP listener, HTTP server, DNS server on 127.0.0.1 only),
# for 10 minutes of real time; CPU % of one core from utime+stime in /proc/PID/stat, RSS from
# VmRSS/VmHWM in /proc/PID/status. Linux.
#   scripts/bench-daemon.sh [DURATION] [INTERVAL]     (default 10m 5s)
set -euo pipefail
cd "$(dirname "$0")/.."
go build -trimpath -o /tmp/casefile-bench-daemon ./cmd/casefile
go run ./internal/daemonbench -casefile /tmp/casefile-bench-daemon -duration "${1:-10m}" -interval "${2:-5s}"
