# checks.sh: the stack against Linux. netpeer (the stack's portable code built
# for the host) sits on a TAP device in a network namespace made for the run,
# and Linux's own TCP/IP, in that namespace, is its peer: ping, curl, and
# echo servers and clients in both directions, clean and impaired; then a
# Lull guest on a multi_queue tap device. Sourced by tests/run.sh (uses its
# pass/fail and the boot tests' images); needs root for the namespace.
#
# The kernel here has no netem qdisc ("Specified qdisc kind is unknown"), so
# loss, reordering and duplication are injected by netpeer itself, in both
# directions (tests/net/impaired_link.c); where netem exists it is added too.

NETPEER=$BUILD/tests/net/netpeer
LINUX_PEER=tests/net/linux_peer.py
NET_NS=lull-test-$$
NET_TIMEOUT=${NET_TIMEOUT:-120}
STACK_ADDR=10.9.1.2
LINUX_ADDR=10.9.1.1

in_ns() { ip netns exec "$NET_NS" "$@"; }

net_setup() {
	ip netns add "$NET_NS" &&
		in_ns ip link set lo up &&
		in_ns ip tuntap add dev lull0 mode tap &&
		in_ns ip addr add "$LINUX_ADDR/24" dev lull0 &&
		in_ns ip link set lull0 up
}

net_teardown() { ip netns del "$NET_NS" 2>/dev/null; }

# Waits until FILE has a line matching REGEX (up to 10 s).
wait_ready() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# net_pair LABEL SERVER READY CLIENT...: starts SERVER (a command line, in
# the namespace, in the background), waits for a line matching READY in its
# output, then runs CLIENT in the namespace; both must exit 0.
net_pair() {
	local label=$1 server=$2 ready=$3 log out rc server_rc
	shift 3
	log=$(mktemp)
	# shellcheck disable=SC2086
	in_ns timeout "$NET_TIMEOUT" $server >"$log" 2>&1 &
	local pid=$!
	if ! wait_ready "$log" "$ready"; then
		kill "$pid" 2>/dev/null
		fail "net/$label" "the server did not start: $server" "$(cat "$log")"
		rm -f "$log"
		return
	fi
	out=$(in_ns "$@" 2>&1)
	rc=$?
	wait "$pid"
	server_rc=$?
	if [ $rc -ne 0 ] || [ $server_rc -ne 0 ]; then
		fail "net/$label" "client exit $rc, server exit $server_rc" "$out
$(cat "$log")"
	else
		pass "net/$label"
	fi
	rm -f "$log"
}

# net_server_case LABEL "NETPEER ARGS" LINUX-CMD...: netpeer serves, Linux
# runs the command.
net_server_case() {
	local label=$1 args=$2
	shift 2
	net_pair "$label" "$NETPEER $args --timeout $NET_TIMEOUT" "netpeer: ready" \
		timeout "$NET_TIMEOUT" "$@"
}

# net_client_case LABEL CONNECTIONS BYTES [IMPAIRMENT...]: Linux serves
# echo, netpeer connects.
net_client_case() {
	local label=$1 conns=$2 bytes=$3
	shift 3
	net_pair "$label" "python3 $LINUX_PEER echo-server 7 $conns" ready \
		"$NETPEER" "$@" --timeout "$NET_TIMEOUT" echo-client "$LINUX_ADDR" 7 "$conns" "$bytes"
}

# curl fetches SIZE bytes; their checksum must be the pattern's.
curl_check() {
	local size=$1 got want
	got=$(curl -sS --max-time "$NET_TIMEOUT" "http://$STACK_ADDR:8080/" | sha256sum)
	want=$("$NETPEER" print-pattern 0 "$size" | sha256sum)
	[ "$got" = "$want" ] || { echo "curl: checksum $got, expected $want"; return 1; }
}

ping_and_udp() {
	ping -c 3 -W 2 "$STACK_ADDR" &&
		python3 "$LINUX_PEER" udp-echo-check "$STACK_ADDR" 7 20 &&
		python3 "$LINUX_PEER" echo-client "$STACK_ADDR" 7 1 1000
}

# DHCP: dnsmasq serves 10.9.1.50-10.9.1.60 in the namespace; netpeer --dhcp
# (kernel/inet/dhcp.c) must lease an address from that range, with Linux as
# its gateway, and then echo over TCP at it.
net_dhcp_case() {
	local log dlog leases pid dpid addr out rc peer_rc
	if [ ! -x /usr/sbin/dnsmasq ]; then
		fail "net/dhcp" "/usr/sbin/dnsmasq is missing (tools/install-deps.sh installs dnsmasq-base)"
		return
	fi
	log=$(mktemp)
	dlog=$(mktemp)
	leases=$(mktemp)
	in_ns /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --user=root \
		--interface=lull0 --bind-interfaces --dhcp-range=10.9.1.50,10.9.1.60,255.255.255.0,1h \
		--dhcp-leasefile="$leases" --pid-file= --no-ping --log-dhcp --log-facility=- >"$dlog" 2>&1 &
	dpid=$!
	in_ns timeout "$NET_TIMEOUT" "$NETPEER" --dhcp --timeout "$NET_TIMEOUT" serve-echo 7 --exit-after 1 >"$log" 2>&1 &
	pid=$!
	if ! wait_ready "$log" "netpeer: ready"; then
		kill "$pid" "$dpid" 2>/dev/null
		wait "$pid" "$dpid"
		fail "net/dhcp" "netpeer got no lease" "$(cat "$log" "$dlog")"
		rm -f "$log" "$dlog" "$leases"
		return
	fi
	addr=$(sed -n 's|^netpeer: dhcp \(10\.9\.1\.[0-9]*\)/24 gateway 10\.9\.1\.1 .*|\1|p' "$log")
	if [ -z "$addr" ] || [ "${addr##*.}" -lt 50 ] || [ "${addr##*.}" -gt 60 ]; then
		kill "$pid" "$dpid" 2>/dev/null
		wait "$pid" "$dpid"
		fail "net/dhcp" "not a lease from 10.9.1.50-60/24 via 10.9.1.1" "$(cat "$log" "$dlog")"
		rm -f "$log" "$dlog" "$leases"
		return
	fi
	out=$(in_ns timeout "$NET_TIMEOUT" python3 "$LINUX_PEER" echo-client "$addr" 7 1 100000 2>&1)
	rc=$?
	wait "$pid"
	peer_rc=$?
	kill "$dpid" 2>/dev/null
	wait "$dpid"
	if [ $rc -ne 0 ] || [ $peer_rc -ne 0 ]; then
		fail "net/dhcp" "echo to $addr: linux side exit $rc, netpeer exit $peer_rc" "$out
$(cat "$log" "$dlog")"
	else
		pass "net/dhcp ($addr)"
	fi
	rm -f "$log" "$dlog" "$leases"
}

# A Lull guest (q35, 2 vCPUs) on a multi_queue tap device in the
# namespace: virtio-net must come up with a queue pair per core, and 20
# Linux clients echo 2 MB each through it.
net_multiqueue_case() {
	local log out rc guest_rc elf=$BUILD/tests/boot/net_echo_server.elf
	log=$(mktemp)
	if ! in_ns ip tuntap add dev lullmq0 mode tap multi_queue ||
		! in_ns ip addr add 10.9.2.1/24 dev lullmq0 || ! in_ns ip link set lullmq0 up; then
		fail "net/guest-multiqueue" "cannot make the multi_queue tap device"
		return
	fi
	in_ns timeout "$NET_TIMEOUT" "$BUILD/lull" run "$elf" --machine q35 --smp 2 --net tap:lullmq0 \
		-- lull.ip=10.9.2.2 lull.mask=255.255.255.0 7 20 >"$log" 2>&1 &
	local pid=$!
	if ! wait_for_line "$log" "echo server ready" "$NET_TIMEOUT" "$pid"; then
		kill "$pid" 2>/dev/null
		wait "$pid"
		fail "net/guest-multiqueue" "the guest did not start" "$(cat "$log")"
		rm -f "$log"
		in_ns ip link del lullmq0
		return
	fi
	out=$(in_ns timeout "$NET_TIMEOUT" python3 "$LINUX_PEER" echo-client 10.9.2.2 7 20 2000000 2>&1)
	rc=$?
	wait "$pid"
	guest_rc=$?
	if [ $rc -ne 0 ] || [ $guest_rc -ne 0 ] || ! grep -q "eth0: 2 queue pairs, one per core" "$log"; then
		fail "net/guest-multiqueue" "client exit $rc, guest exit $guest_rc" "$out
$(cat "$log")"
	else
		pass "net/guest-multiqueue"
	fi
	rm -f "$log"
	in_ns ip link del lullmq0
}

run_net_checks() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP net: network namespaces need root"
		return
	fi
	if ! net_setup; then
		fail "net/setup" "cannot create namespace $NET_NS with a TAP device"
		net_teardown
		return
	fi
	ulimit -n 8192
	# The cases run their Linux side in `bash -c`, which needs these.
	export NETPEER NET_TIMEOUT STACK_ADDR LINUX_PEER
	local bad="--loss 5 --reorder 5 --duplicate 2"
	if in_ns tc qdisc add dev lull0 root netem loss 5% 2>/dev/null; then
		in_ns tc qdisc del dev lull0 root
		echo "net: netem available (used in the impaired cases too)"
	fi
	net_server_case ping-udp "serve-echo 7 --exit-after 1" bash -c "$(declare -f ping_and_udp); ping_and_udp"
	net_server_case curl-5MB "serve-bytes 8080 5000000 --exit-after 1" \
		bash -c "$(declare -f curl_check); curl_check 5000000"
	net_server_case echo-server-1000-connections "serve-echo 7 --exit-after 1000" \
		python3 "$LINUX_PEER" echo-client "$STACK_ADDR" 7 1000 20000
	net_server_case echo-server-4x20MB "serve-echo 7 --exit-after 4" \
		python3 "$LINUX_PEER" echo-client "$STACK_ADDR" 7 4 20000000
	# Redis's pipelining stresser: Linux writes every request before it
	# reads a reply, so its window is closed while it still sends.
	net_server_case pipeline-100000-requests "serve-pipeline 6379 --exit-after 1" \
		python3 "$LINUX_PEER" pipeline-client "$STACK_ADDR" 6379 100000 "$NET_TIMEOUT"
	net_client_case echo-client-1000-connections 1000 20000
	net_client_case echo-client-4x20MB 4 20000000
	net_server_case impaired-curl-2MB "serve-bytes 8080 2000000 --exit-after 1 $bad" \
		bash -c "$(declare -f curl_check); curl_check 2000000"
	net_server_case impaired-echo-server-100x50KB "serve-echo 7 --exit-after 100 $bad" \
		python3 "$LINUX_PEER" echo-client "$STACK_ADDR" 7 100 50000
	net_server_case impaired-echo-server-2x2MB "serve-echo 7 --exit-after 2 $bad" \
		python3 "$LINUX_PEER" echo-client "$STACK_ADDR" 7 2 2000000
	# shellcheck disable=SC2086
	net_client_case impaired-echo-client-100x50KB 100 50000 $bad
	net_dhcp_case
	net_multiqueue_case
	net_teardown
}
