#!/usr/bin/env bash
# stats.sh: summarise the last row of a sipp -trace_stat CSV (';'-separated).
#
#   bench/voice/stats.sh stat.csv
#
# Prints TSV: calls created, successful, failed (and the failure reasons that are non-zero),
# retransmissions, and the response-time / call-length averages and standard deviations
# (sipp's ResponseTime1 is the INVITE -> 200 time, marked rtd="true" in the scenarios).
set -euo pipefail
F=${1:?usage: stats.sh stat.csv}
[ -s "$F" ] || { echo "stats.sh: $F missing or empty" >&2; exit 1; }
awk -F';' '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ last = $0 }
	END {
		n = split(last, v, ";")
		split("TotalCallCreated SuccessfulCall(C) FailedCall(C) Retransmissions(C) ResponseTime1(C) ResponseTime1StDev(C) CallLength(C) CallLengthStDev(C) ElapsedTime(C)", want, " ")
		for (k = 1; k in want; k++) {
			name = want[k]
			if (name in col) printf "%s\t%s\n", name, v[col[name]]
		}
		for (name in col) {
			if (name ~ /^Failed.*\(C\)$/ && name != "FailedCall(C)" && v[col[name]] + 0 > 0)
				printf "%s\t%s\n", name, v[col[name]]
		}
	}' "$F"
