#!/usr/bin/env bash
# cps.sh: calls per second against a running switchboard.
#
#   bench/voice/cps.sh ADDR NUMBER RATE [SECONDS] [PID]
#
# Places RATE calls/s for SECONDS (default 60) with test/e2e/sipp/uac_prompt_bench.xml
# (answer -> 1.5 s prompt -> DTMF "1" -> the flow hangs up) to NUMBER at ADDR (host:port,
# UDP), then prints successful/failed calls and sipp's response-time figures. With PID
# (the switchboard process) it also samples its CPU and RSS every second (see
# sample_proc.sh). Exit status: 0 if no call failed.
#
# Environment: LOCAL_IP (default 127.0.0.1), SIP_PORT (default 0 = sipp picks),
# MEDIA_PORT (default 16000), TRANSPORT (u1 or t1, default u1), MAX_CONCURRENT (-l, default
# RATE*20), OUT (output directory, default a new mktemp -d).
set -euo pipefail

if [ $# -lt 3 ]; then
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
ADDR=$1 NUMBER=$2 RATE=$3 SECONDS_=${4:-60} PID=${5:-}
HERE=$(cd "$(dirname "$0")" && pwd)
SCEN="$HERE/../../test/e2e/sipp/uac_prompt_bench.xml"
LOCAL_IP=${LOCAL_IP:-127.0.0.1}
SIP_PORT=${SIP_PORT:-0}
MEDIA_PORT=${MEDIA_PORT:-16000}
TRANSPORT=${TRANSPORT:-u1}
OUT=${OUT:-$(mktemp -d /tmp/switchboard-cps.XXXXXX)}
# Each call lasts about 2-3 s, so RATE*20 leaves ample room for slow answers.
LIMIT=${MAX_CONCURRENT:-$(awk -v r="$RATE" 'BEGIN { l = int(r * 20); if (l < 10) l = 10; print l }')}
CALLS=$(awk -v r="$RATE" -v s="$SECONDS_" 'BEGIN { print int(r * s + 0.5) }')

command -v sipp >/dev/null || { echo "cps.sh: sipp not installed (apt-get install sip-tester)" >&2; exit 2; }
mkdir -p "$OUT"
cd "$OUT"
ln -sfn /usr/share/sip-tester pcap

SAMPLER=
if [ -n "$PID" ]; then
	"$HERE/sample_proc.sh" "$PID" 1 > "$OUT/proc.tsv" &
	SAMPLER=$!
	trap '[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true' EXIT
fi

echo "cps.sh: $CALLS calls at $RATE/s to $NUMBER@$ADDR (limit $LIMIT concurrent), output in $OUT" >&2
START=$(date +%s.%N)
set +e
sipp "$ADDR" -sf "$SCEN" -s "$NUMBER" \
	-i "$LOCAL_IP" -mi "$LOCAL_IP" -p "$SIP_PORT" -mp "$MEDIA_PORT" -t "$TRANSPORT" \
	-r "$RATE" -m "$CALLS" -l "$LIMIT" \
	-nostdin -timeout $((SECONDS_ + 60)) -timeout_error \
	-trace_stat -stf "$OUT/stat.csv" -fd 5 \
	-trace_err -error_file "$OUT/errors.log" \
	-trace_screen -screen_file "$OUT/screen.log" \
	> "$OUT/sipp.out" 2> "$OUT/sipp.err"
RC=$?
set -e
END=$(date +%s.%N)
if [ -n "$SAMPLER" ]; then kill "$SAMPLER" 2>/dev/null || true; SAMPLER=; fi

"$HERE/stats.sh" "$OUT/stat.csv"
awk -v s="$START" -v e="$END" 'BEGIN { printf "wall_seconds\t%.1f\n", e - s }'
echo -e "sipp_exit\t$RC"
if [ -n "$PID" ]; then "$HERE/sample_proc.sh" --summary < "$OUT/proc.tsv"; fi
if [ "$RC" -ne 0 ]; then
	echo "cps.sh: sipp exit $RC; first errors:" >&2
	head -20 "$OUT/errors.log" >&2 2>/dev/null || true
	tail -5 "$OUT/sipp.err" >&2 || true
fi
exit "$RC"
