#!/usr/bin/env bash
# Prints issue 12's targets as one table: every row the benchmark scripts appended to the file
# named by BENCH_TARGETS (bench/lib.sh's target(); area, target, measured, goal, verdict, what this
# run measured about what binds it), with the machine it ran on. make bench ends with it.
#
#   bash bench/targets.sh TARGETS.tsv
set -euo pipefail
TSV=${1:?usage: targets.sh TARGETS.tsv}
[ -s "$TSV" ] || { echo "targets: no rows in $TSV" >&2; exit 1; }

echo "## Targets of issue 12, measured in this run"
echo
echo "$(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r);" \
  "$(java -version 2>&1 | head -1); engine JVM flags \`${BENCH_JVM_OPTIONS-$(grep -v '^#' "$(dirname "$0")/../engine/jvm.options" | xargs)}\`$([ -z "${BENCH_JVM_OPTIONS+set}" ] && [ "${BENCH_NATIVE:-1}" != 0 ] && echo ", native libraries unpacked once as in the image")$([ -z "${BENCH_JVM_OPTIONS+set}" ] && [ "${BENCH_CDS:-1}" != 0 ] && echo ", the image's class data sharing archive"); load average now $(cut -d' ' -f1-3 /proc/loadavg). Each row is a" \
  "ratio of two measurements of the same run; the last column is what the run measured about what" \
  "binds the value. The reports above (and bench/results/) hold every number behind it."
echo
echo "| where | target | measured | goal | verdict | measured about what binds it |"
echo "|---|---|---|---|---|---|"
awk -F'\t' '{
  for (i = 1; i <= NF; i++) gsub(/\|/, "\\|", $i)
  v = ($5 == "met") ? "met" : "**" $5 "**"
  printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, v, $6
}' "$TSV"
echo
met=$(awk -F'\t' '$5 == "met"' "$TSV" | wc -l)
echo "$met of $(wc -l <"$TSV") met."
