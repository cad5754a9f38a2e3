#!/bin/bash
# impaired_figures.sh: how much each side retransmits on the impaired link
# of the network checks (5% loss, 5% reordering, 2% duplication, both ways):
# the stack's segments and bytes (netpeer's stats) and Linux's segments
# (RetransSegs of its namespace), for two transfers: curl fetching 2 MB
# from the stack (the stack sends), and 2 x 2 MB echoed by the stack (both
# send). Root; run from the repository. A measurement, so under the bench
# lock:
#   flock /tmp/lull-bench.lock bash tests/net/impaired_figures.sh [NETPEER] [RUNS]
set -u
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
# shellcheck source=tests/net/checks.sh
source tests/net/checks.sh
NETPEER=${1:-$NETPEER}
RUNS=${2:-5}
IMPAIRED="--loss 5 --reorder 5 --duplicate 2"

[ "$(id -u)" -eq 0 ] || { echo "impaired_figures: needs root" >&2; exit 1; }
[ -x "$NETPEER" ] || { echo "impaired_figures: $NETPEER is not built" >&2; exit 1; }

linux_retransmits() {
	in_ns awk '/^Tcp:/ { if (!n) { for (i = 1; i <= NF; i++) col[$i] = i; n = 1 }
		else print $col["RetransSegs"] }' /proc/net/snmp
}

# one_run LABEL NETPEER-ARGS LINUX-CMD...: prints LABEL, the stack's
# retransmitted segments and bytes, and Linux's retransmitted segments.
one_run() {
	local label=$1 args=$2 log stack
	shift 2
	log=$(mktemp)
	net_setup || { echo "impaired_figures: cannot set up $NET_NS" >&2; exit 1; }
	# shellcheck disable=SC2086
	in_ns timeout "$NET_TIMEOUT" "$NETPEER" $args --timeout "$NET_TIMEOUT" >"$log" 2>&1 &
	local pid=$!
	wait_ready "$log" "netpeer: ready" || { echo "$label: netpeer did not start" >&2; }
	in_ns timeout "$NET_TIMEOUT" "$@" >/dev/null 2>&1 || echo "$label: the transfer failed" >&2
	wait "$pid" || echo "$label: netpeer exit $?" >&2
	stack=$(sed -n 's/.*tcp retransmits \([0-9]*\) (\([0-9]*\) bytes).*/\1 \2/p' "$log")
	echo "$label ${stack:-? ?} $(linux_retransmits)"
	net_teardown
	rm -f "$log"
}

export NETPEER NET_TIMEOUT STACK_ADDR LINUX_PEER
echo "case stack-segments stack-bytes linux-segments"
for _ in $(seq "$RUNS"); do
	one_run curl-2MB "serve-bytes 8080 2000000 --exit-after 1 $IMPAIRED" \
		bash -c "$(declare -f curl_check); curl_check 2000000"
	one_run echo-2x2MB "serve-echo 7 --exit-after 2 $IMPAIRED" \
		python3 "$LINUX_PEER" echo-client "$STACK_ADDR" 7 2 2000000
done
