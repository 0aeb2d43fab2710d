#!/usr/bin/env bash
# queue_hold.sh: N callers waiting in queue at once, with the server's CPU/RSS sampled.
#
#   bench/voice/queue_hold.sh ADDR NUMBER N HOLD_SECONDS PID [RATE]
#
# Opens N calls (at RATE calls/s, default 20) with test/e2e/sipp/queue_hold_bench.xml to
# NUMBER at ADDR; each waits HOLD_SECONDS while the server plays music/prompts to it
# (sipp does not echo), then hangs up. NUMBER should route to a flow that transfers to a
# queue with no agent available. While it runs, the switchboard process PID is sampled
# every second from /proc/PID (CPU % of one core, RSS MiB, threads, open fds); the
# summary gives the average and peak over the time all N calls were up.
# Exit status: 0 if no call failed.
#
# Environment: LOCAL_IP, SIP_PORT, MEDIA_PORT, TRANSPORT, OUT as for cps.sh.
set -euo pipefail

if [ $# -lt 5 ]; then
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
ADDR=$1 NUMBER=$2 N=$3 HOLD=$4 PID=$5 RATE=${6:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
SCEN="$HERE/../../test/e2e/sipp/queue_hold_bench.xml"
LOCAL_IP=${LOCAL_IP:-127.0.0.1}
SIP_PORT=${SIP_PORT:-0}
MEDIA_PORT=${MEDIA_PORT:-16000}
TRANSPORT=${TRANSPORT:-u1}
OUT=${OUT:-$(mktemp -d /tmp/switchboard-queue.XXXXXX)}

command -v sipp >/dev/null || { echo "queue_hold.sh: sipp not installed (apt-get install sip-tester)" >&2; exit 2; }
[ -d "/proc/$PID" ] || { echo "queue_hold.sh: no process $PID" >&2; exit 2; }
mkdir -p "$OUT"
cd "$OUT"

"$HERE/sample_proc.sh" "$PID" 1 > "$OUT/proc.tsv" &
SAMPLER=$!
trap 'kill "$SAMPLER" 2>/dev/null || true' EXIT

RAMP=$(awk -v n="$N" -v r="$RATE" 'BEGIN { printf "%.1f", n / r }')
echo "queue_hold.sh: $N calls at $RATE/s (ramp ${RAMP}s), each held ${HOLD}s, output in $OUT" >&2
START=$(date +%s)
set +e
sipp "$ADDR" -sf "$SCEN" -s "$NUMBER" \
	-i "$LOCAL_IP" -mi "$LOCAL_IP" -p "$SIP_PORT" -mp "$MEDIA_PORT" -t "$TRANSPORT" \
	-r "$RATE" -m "$N" -l "$N" -d $((HOLD * 1000)) \
	-nostdin -timeout $((HOLD + N / RATE + 60)) -timeout_error \
	-trace_stat -stf "$OUT/stat.csv" -fd 5 \
	-trace_err -error_file "$OUT/errors.log" \
	-trace_screen -screen_file "$OUT/screen.log" \
	> "$OUT/sipp.out" 2> "$OUT/sipp.err"
RC=$?
set -e
kill "$SAMPLER" 2>/dev/null || true
trap - EXIT

"$HERE/stats.sh" "$OUT/stat.csv"
echo -e "sipp_exit\t$RC"
# The plateau: after the ramp, before the first hang-ups.
FROM=$(awk -v s="$START" -v r="$RAMP" 'BEGIN { printf "%d", s + r + 1 }')
TO=$((START + HOLD))
echo "# whole run"
"$HERE/sample_proc.sh" --summary < "$OUT/proc.tsv"
echo "# plateau ($N calls up, $((TO - FROM))s)"
"$HERE/sample_proc.sh" --summary "$FROM" "$TO" < "$OUT/proc.tsv"
if [ "$RC" -ne 0 ]; then
	echo "queue_hold.sh: sipp exit $RC; first errors:" >&2
	head -20 "$OUT/errors.log" >&2 2>/dev/null || true
fi
exit "$RC"
