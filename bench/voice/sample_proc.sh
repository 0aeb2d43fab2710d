#!/usr/bin/env bash
# sample_proc.sh: sample a process's CPU and memory from /proc.
#
#   bench/voice/sample_proc.sh PID [INTERVAL_SECONDS]    # TSV lines until PID exits or killed
#   bench/voice/sample_proc.sh --summary [FROM TO] < samples.tsv
#
# Columns: unix time, CPU % of one core over the interval (utime+stime from
# /proc/PID/stat), RSS MiB (VmRSS), threads, open fds. --summary prints the average and
# peak CPU and RSS, optionally only for samples with FROM <= time <= TO (unix seconds).
set -euo pipefail

if [ "${1:-}" = "--summary" ]; then
	awk -F'\t' -v from="${2:-0}" -v to="${3:-0}" '
		/^#/ { next }
		$1 < from || (to > 0 && $1 > to) { next }
		{ n++; cpu += $2; rss += $3; if ($2 > pcpu) pcpu = $2; if ($3 > prss) prss = $3; if ($4 > pthr) pthr = $4 }
		END {
			if (n == 0) { print "samples\t0"; exit }
			printf "samples\t%d\ncpu_avg_pct\t%.1f\ncpu_peak_pct\t%.1f\nrss_avg_mib\t%.1f\nrss_peak_mib\t%.1f\nthreads_peak\t%d\n", n, cpu / n, pcpu, rss / n, prss, pthr
		}'
	exit 0
fi

PID=${1:?usage: sample_proc.sh PID [INTERVAL]}
INT=${2:-1}
HZ=$(getconf CLK_TCK)
ticks() { # utime + stime: fields 14 and 15, counted after the ")" that ends comm
	local s
	s=$(cat "/proc/$PID/stat" 2>/dev/null) || return 1
	s=${s##*) }
	set -- $s
	echo $(( ${12} + ${13} ))
}
echo -e "#time\tcpu_pct\trss_mib\tthreads\tfds"
prev=$(ticks) || exit 0
prevt=$(date +%s.%N)
while sleep "$INT"; do
	cur=$(ticks) || break
	now=$(date +%s.%N)
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status" 2>/dev/null || echo 0)
	thr=$(awk '/^Threads:/ { print $2 }' "/proc/$PID/status" 2>/dev/null || echo 0)
	fds=$(ls "/proc/$PID/fd" 2>/dev/null | wc -l)
	awk -v c="$cur" -v p="$prev" -v n="$now" -v pt="$prevt" -v hz="$HZ" -v rss="$rss" -v thr="$thr" -v fds="$fds" \
		'BEGIN { printf "%d\t%.1f\t%.1f\t%d\t%d\n", n, 100 * (c - p) / hz / (n - pt), rss / 1024, thr, fds }'
	prev=$cur prevt=$now
done
