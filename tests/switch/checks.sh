# checks.sh: lull-switch with Lull guests under QEMU TCG (sourced by
# tests/run.sh, which defines pass, fail, expect_cli, wait_for_line):
#   - clear errors: no directory, bad options, no switch running, a switch
#     already running, a socket taken by a running VM;
#   - two VMs exchange TCP through the switch, byte-exact
#     (SWITCH_ECHO_BYTES per connection, two connections, both ways);
#   - the client VM kicked for fewer than 1 in 20 of the frames it sent:
#     the switch polls during the transfer and says so with
#     VRING_USED_F_NO_NOTIFY, which the guest's driver honours (a driver
#     that ignores it kicks about every other frame);
#   - the switch is restarted in the middle of a transfer, which resumes;
#   - a VM that exits leaves the others served (a later client still gets
#     its echo from the same server VM);
#   - with 4 idle VMs attached, the switch uses < 0.1% of a host CPU over
#     SWITCH_IDLE_SECONDS (default 10);
#   - as root: the host echoes 1 MB with a VM through --uplink tap:IF.
# Guests have static addresses (no DHCP server on a switch).

SWITCH=$BUILD/lull-switch
SWITCH_ECHO_BYTES=${SWITCH_ECHO_BYTES:-5000000}
SWITCH_IDLE_SECONDS=${SWITCH_IDLE_SECONDS:-10}
switch_dir=
switch_pid=
switch_vm_pids=()

source bench/lib.sh # cpu_ns

start_switch() {
	"$SWITCH" start --socket-dir "$switch_dir" --workers 2 >>"$switch_dir.log" 2>&1 &
	switch_pid=$!
	wait_for_line "$switch_dir.log" "serving" 10 "$switch_pid"
}

# switch_vm NAME IP IMAGE ARGS...: a VM on the switch, in the background.
switch_vm() {
	local name=$1 ip=$2 image=$3
	shift 3
	timeout "$BOOT_TIMEOUT" "$LULL" run "$image" --mem 64M --net "switch:$switch_dir/$name" --name "sw-$name" \
		-- lull.ip="$ip" lull.mask=255.255.255.0 "$@" >"$switch_dir.$name.log" 2>&1 &
	switch_vm_pids+=($!)
}

# echo_client NAME IP BYTES: a client VM against the server VM; true when
# every byte came back.
echo_client() {
	local name=$1 ip=$2 bytes=$3
	timeout "$BOOT_TIMEOUT" "$LULL" run "$BUILD/tests/boot/net_echo_client.elf" --mem 64M --stats \
		--net "switch:$switch_dir/$name" --name "sw-$name" -- lull.ip="$ip" lull.mask=255.255.255.0 \
		10.0.0.1 7000 2 "$bytes" >"$switch_dir.$name.log" 2>&1
	grep -q "echo client: 2 connections, $((2 * bytes)) bytes back intact" "$switch_dir.$name.log"
}

# check_guest_kicks NAME: the VM's driver (its --stats line) kicked for
# fewer than 1 in 20 of its transmitted frames.
check_guest_kicks() {
	local stats tx kicks
	stats=$(grep -o 'stats: eth0 .*' "$switch_dir.$1.log")
	tx=$(echo "$stats" | sed -nE 's/.* tx ([0-9]+) packets.*/\1/p')
	kicks=$(echo "$stats" | sed -nE 's/.* ([0-9]+) kicks.*/\1/p')
	if [ -z "$tx" ] || [ -z "$kicks" ]; then
		fail switch/guest-kicks "no stats line from the guest" "$(cat "$switch_dir.$1.log")"
	elif [ $((kicks * 20)) -lt "$tx" ]; then
		pass "switch/guest-kicks ($kicks kicks for $tx frames sent)"
	else
		fail switch/guest-kicks "$kicks kicks for $tx frames sent: the guest kicks a polling switch" "$stats"
	fi
}

# Bytes a port has sent into the switch (0 if it is not there).
port_tx_bytes() {
	"$SWITCH" stats --socket-dir "$switch_dir" --json 2>/dev/null | python3 -c '
import json, sys
doc = json.load(sys.stdin)
print(sum(p["tx_bytes"] for p in doc["ports"] if p["name"] == sys.argv[1]))' "$1" 2>/dev/null || echo 0
}

switch_cli_checks() {
	expect_cli switch-no-dir 2 "needs --socket-dir" "$SWITCH" start
	expect_cli switch-bad-workers 2 "--workers 0: expected a number from 1 to 64" \
		"$SWITCH" start --socket-dir "$switch_dir" --workers 0
	expect_cli switch-bad-uplink 2 "--uplink eth0: expected tap:IFNAME" \
		"$SWITCH" start --socket-dir "$switch_dir" --uplink eth0
	expect_cli switch-missing-dir 1 "no such directory" "$SWITCH" start --socket-dir "$switch_dir/none"
	expect_cli switch-unknown-command 2 "unknown command 'frob'" "$SWITCH" frob
	expect_cli switch-stats-not-running 1 "no switch is running on $switch_dir" \
		"$SWITCH" stats --socket-dir "$switch_dir"
	expect_cli switch-run-not-running 2 "no switch is running on $switch_dir" \
		"$LULL" run "$BUILD/examples/hello.elf" --net "switch:$switch_dir/x"
	expect_cli switch-run-bad-name 2 "expected DIR/NAME" \
		"$LULL" run "$BUILD/examples/hello.elf" --net "switch:$switch_dir/"
}

run_switch_checks() {
	switch_dir=$(mktemp -d)
	switch_cli_checks
	if ! start_switch; then
		fail switch/start "lull-switch did not start" "$(cat "$switch_dir.log")"
		rm -rf "$switch_dir" "$switch_dir".*
		return
	fi
	expect_cli switch-twice 1 "a switch already runs on $switch_dir" \
		"$SWITCH" start --socket-dir "$switch_dir"
	expect_cli switch-run-q35-tcg 2 "needs --machine microvm under TCG" \
		"$LULL" run "$BUILD/examples/hello.elf" --machine q35 --net "switch:$switch_dir/x"

	switch_vm srv 10.0.0.1 "$BUILD/examples/echo.elf" 7000
	local server_pid=${switch_vm_pids[-1]}
	if ! wait_for_line "$switch_dir.srv.log" "listening on 7000" 60 "$server_pid"; then
		fail switch/echo "the server VM did not start" "$(cat "$switch_dir.srv.log" "$switch_dir.log")"
	else
		expect_cli switch-socket-taken 2 "the socket is taken" \
			"$LULL" run "$BUILD/examples/hello.elf" --net "switch:$switch_dir/srv"
		if echo_client c1 10.0.0.2 "$SWITCH_ECHO_BYTES"; then
			pass "switch/echo-two-vms ($((2 * SWITCH_ECHO_BYTES)) bytes each way)"
			check_guest_kicks c1
		else
			fail switch/echo-two-vms "the echo came back wrong or not at all" \
				"$(cat "$switch_dir.c1.log" "$switch_dir.log")"
		fi

		# A restart while c2's transfer runs: QEMU sees the switch go,
		# the new switch connects to both VMs, TCP retransmits.
		echo_client c2 10.0.0.3 "$((4 * SWITCH_ECHO_BYTES))" &
		local client_pid=$! end=$((SECONDS + 60))
		while [ "$(port_tx_bytes c2)" -lt 1000000 ] && [ $SECONDS -lt $end ] &&
			kill -0 "$client_pid" 2>/dev/null; do
			sleep 0.2
		done
		kill "$switch_pid"
		wait "$switch_pid"
		start_switch
		if wait "$client_pid"; then
			pass switch/restart-mid-transfer
		else
			fail switch/restart-mid-transfer "the transfer did not resume" \
				"$(cat "$switch_dir.c2.log" "$switch_dir.log")"
		fi

		# c1 and c2 have exited; the server VM is still served.
		if echo_client c3 10.0.0.4 1000000 && ! "$SWITCH" stats --socket-dir "$switch_dir" | grep -q '^c2 '; then
			pass switch/vm-exit-leaves-others
		else
			fail switch/vm-exit-leaves-others "a client after others exited failed" \
				"$(cat "$switch_dir.c3.log" "$switch_dir.log")"
		fi
		check_switch_idle
	fi
	kill "${switch_vm_pids[@]}" 2>/dev/null
	wait "${switch_vm_pids[@]}" 2>/dev/null
	kill "$switch_pid" 2>/dev/null
	wait "$switch_pid" 2>/dev/null
	switch_vm_pids=()
	rm -rf "$switch_dir" "$switch_dir".*
	[ "$(id -u)" = 0 ] && check_switch_uplink
}

# A switch with the host's tap device as its uplink: the host talks TCP
# to a VM through it.
check_switch_uplink() {
	local tap=lullsw$$ out
	switch_dir=$(mktemp -d)
	if ! ip tuntap add "$tap" mode tap || ! ip addr add 10.0.9.254/24 dev "$tap" ||
		! ip link set "$tap" up; then
		fail switch/uplink "cannot create tap device $tap"
		ip link del "$tap" 2>/dev/null
		rm -rf "$switch_dir"
		return
	fi
	"$SWITCH" start --socket-dir "$switch_dir" --uplink "tap:$tap" >"$switch_dir.log" 2>&1 &
	switch_pid=$!
	wait_for_line "$switch_dir.log" "serving" 10 "$switch_pid"
	switch_vm srv 10.0.9.1 "$BUILD/examples/echo.elf" 7000 1
	if wait_for_line "$switch_dir.srv.log" "listening on 7000" 60 "${switch_vm_pids[-1]}"; then
		out=$(timeout 60 python3 -c '
import os, socket
s = socket.create_connection(("10.0.9.1", 7000), timeout=30)
data = os.urandom(1000000)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = bytearray()
while chunk := s.recv(65536):
    got += chunk
print("intact" if got == data else "wrong: %d bytes" % len(got))' 2>&1)
	fi
	if [ "${out:-}" = intact ] && wait "${switch_vm_pids[-1]}"; then
		pass switch/uplink-tap
	else
		fail switch/uplink-tap "the host's echo through the uplink: ${out:-the VM did not start}" \
			"$(cat "$switch_dir.srv.log" "$switch_dir.log")"
	fi
	kill "${switch_vm_pids[@]}" "$switch_pid" 2>/dev/null
	wait "${switch_vm_pids[@]}" "$switch_pid" 2>/dev/null
	switch_vm_pids=()
	ip link del "$tap"
	rm -rf "$switch_dir" "$switch_dir".*
}

# The server VM and three more, all idle: the switch's workers must be
# blocked in epoll_wait, its control thread asleep between rescans.
check_switch_idle() {
	local k before after used limit
	for k in 1 2 3; do
		switch_vm "idle$k" "10.0.0.$((10 + k))" "$BUILD/examples/echo.elf" 7000
	done
	for k in 1 2 3; do
		wait_for_line "$switch_dir.idle$k.log" "listening on 7000" 60 || {
			fail switch/idle "idle VM $k did not start" "$(cat "$switch_dir.idle$k.log")"
			return
		}
	done
	sleep 2 # let the ARP and start-up traffic drain and the workers block
	before=$(cpu_ns "$switch_pid")
	sleep "$SWITCH_IDLE_SECONDS"
	after=$(cpu_ns "$switch_pid")
	used=$((after - before))
	limit=$((SWITCH_IDLE_SECONDS * 1000000)) # 0.1% of the interval, in ns
	local figure="$((used / 1000)) us of CPU in ${SWITCH_IDLE_SECONDS} s with 4 VMs"
	if [ "$used" -lt "$limit" ]; then
		pass "switch/idle ($figure)"
	else
		fail switch/idle "$figure: more than 0.1%" "$("$SWITCH" stats --socket-dir "$switch_dir")"
	fi
}
