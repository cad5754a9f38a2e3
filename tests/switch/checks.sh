# checks.sh: lull-switch with Lull guests under QEMU TCG (sourced by
# tests/run.sh, which defines pass, fail, expect_cli, wait_for_line):
#   - clear errors: no directory, bad options, no switch running, a switch
#     already running, a socket taken by a running VM;
#   - two VMs exchange TCP through the switch, byte-exact
#     (SWITCH_ECHO_BYTES per connection, two connections, both ways), and
#     a q35 VM (virtio-pci on its INTx line) with a microvm one;
#   - the client VM kicked for fewer than 1 in 20 of the frames it sent:
#     the switch polls during the transfer and says so with
#     VRING_USED_F_NO_NOTIFY, which the guest's driver honours (a driver
#     that ignores it kicks about every other frame);
#   - the switch is restarted in the middle of a transfer, which resumes;
#   - a VM that exits leaves the others served (a later client still gets
#     its echo from the same server VM);
#   - with 4 idle VMs attached, the switch uses < 0.1% of a host CPU over
#     SWITCH_IDLE_SECONDS (default 10);
#   - a Linux guest (Debian's kernel from /boot, tests/switch/linux_peer.c
#     as its program) on the same switch: it pings the Lull server VM and
#     echoes 1 MB through it; a Lull client VM echoes 2 x 1 MB through the
#     Linux guest's server; on microvm and on q35 (without MSI-X). SKIP without a kernel where bench/install-deps.sh
#     never ran (linux-image-amd64 not installed), a failure where it did;
#   - as root: the host echoes 1 MB with a VM through --uplink tap:IF.
# Guests have static addresses (no DHCP server on a switch).

SWITCH=$BUILD/lull-switch
SWITCH_ECHO_BYTES=${SWITCH_ECHO_BYTES:-5000000}
SWITCH_IDLE_SECONDS=${SWITCH_IDLE_SECONDS:-10}
LINUX_KERNEL=${LINUX_KERNEL:-$(ls -v /boot/vmlinuz-* 2>/dev/null | tail -n 1)}
SWITCH_LINUX_INITRD=$BUILD/tests/switch/linux-peer.cpio
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

# echo_client NAME IP BYTES [SERVER_IP PORT [MACHINE]]: a client VM
# against the server VM (or another echo server); true when every byte
# came back.
echo_client() {
	local name=$1 ip=$2 bytes=$3 server=${4:-10.0.0.1} port=${5:-7000} machine=${6:-microvm}
	timeout "$BOOT_TIMEOUT" "$LULL" run "$BUILD/tests/boot/net_echo_client.elf" --mem 64M --stats \
		--machine "$machine" \
		--net "switch:$switch_dir/$name" --name "sw-$name" -- lull.ip="$ip" lull.mask=255.255.255.0 \
		"$server" "$port" 2 "$bytes" >"$switch_dir.$name.log" 2>&1
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
		# On q35 under TCG `lull run` gives the NIC no MSI-X (QEMU 7.2
		# crashes starting vhost-user with it), so the driver uses INTx.
		if echo_client q35 10.0.0.5 1000000 10.0.0.1 7000 q35; then
			pass "switch/echo-q35 (virtio-pci without MSI-X, on its INTx line)"
		else
			fail switch/echo-q35 "the echo came back wrong or not at all" \
				"$(cat "$switch_dir.q35.log" "$switch_dir.log")"
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
		if switch_linux_ready; then
			check_switch_linux microvm
			check_switch_linux q35
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
	# No connection limit: a server that exits after its last connection
	# ends the VM while its last segments may still wait for an ACK (the
	# guest does not linger at exit), which made this check flaky.
	switch_vm srv 10.0.9.1 "$BUILD/examples/echo.elf" 7000
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
	if [ "${out:-}" = intact ]; then
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

# Whether the Linux guest can run; if not, says why: a SKIP where
# bench/install-deps.sh never installed a kernel, a failure where it did or
# where the initramfs is not built.
switch_linux_ready() {
	if [ -z "$LINUX_KERNEL" ]; then
		if dpkg-query -W -f='${Status}' linux-image-amd64 2>/dev/null | grep -q 'ok installed'; then
			fail switch/linux-guest "linux-image-amd64 is installed, yet /boot has no vmlinuz"
		else
			echo "SKIP switch/linux-guest: no Linux kernel in /boot (bash bench/install-deps.sh installs one)"
		fi
		return 1
	fi
	[ -f "$SWITCH_LINUX_INITRD" ] && return 0
	fail switch/linux-guest "$SWITCH_LINUX_INITRD is not built (make BUILD=$BUILD $SWITCH_LINUX_INITRD)"
	return 1
}

# check_switch_linux MACHINE: a Linux guest on MACHINE with the QEMU flags
# `lull-switch --help` documents, next to the Lull server VM (10.0.0.1).
# Debian's kernel cannot calibrate its clocks on microvm under TCG (no
# PIT, HPET or PM timer to measure against): it is told the TSC's rate and
# the delay loop's. Its power-off hangs there, so QEMU is stopped once
# /init reports the program's end. On q35 the NIC has no MSI-X
# (vectors=0): QEMU 7.2 crashes starting vhost-user with MSI-X under TCG,
# for Linux guests as for Lull's (docs/ARCHITECTURE.md, q35 and QEMU 7.2).
check_switch_linux() {
	local machine=$1 log=$switch_dir.linux-$1.log device=virtio-net-pci
	local qemu=(qemu-system-x86_64 -M "$machine" -accel tcg -cpu max -m 256M -nodefaults -no-reboot
		-display none -serial stdio -monitor none -kernel "$LINUX_KERNEL" -initrd "$SWITCH_LINUX_INITRD"
		-append "console=ttyS0 panic=-1 tsc_early_khz=2000000 lpj=4000000 guest_ip=10.0.0.20 run=peer args=10.0.0.1,7000,7001,1000000"
		-object memory-backend-memfd,id=mem,size=256M,share=on -machine memory-backend=mem
		-chardev "socket,id=sw,path=$switch_dir/linux-$machine,server=on,wait=off"
		-netdev vhost-user,id=net0,chardev=sw)
	if [ "$machine" = microvm ]; then
		device=virtio-net-device
		qemu+=(-global virtio-mmio.force-legacy=false)
	else
		device+=",vectors=0"
	fi
	timeout "$BOOT_TIMEOUT" "${qemu[@]}" -device "$device,netdev=net0,mac=52:54:00:00:00:20" >"$log" 2>&1 &
	local linux_pid=$!
	if ! wait_for_line "$log" "peer: serving on 7001" 120 "$linux_pid"; then
		fail "switch/linux-$machine" "the Linux guest did not start its program" "$(cat "$log")"
		kill "$linux_pid" 2>/dev/null
		wait "$linux_pid" 2>/dev/null
		return
	fi
	if echo_client "linux-client-$machine" 10.0.0.21 1000000 10.0.0.20 7001; then
		pass "switch/lull-to-linux-$machine (a Lull client's echo through the Linux guest's server)"
	else
		fail "switch/lull-to-linux-$machine" "the echo came back wrong or not at all" \
			"$(cat "$switch_dir.linux-client-$machine.log" "$log")"
	fi
	wait_for_line "$log" "init: peer exited" 120 "$linux_pid"
	kill "$linux_pid" 2>/dev/null
	wait "$linux_pid" 2>/dev/null
	if grep -q "peer: ping 10.0.0.1: 3 replies" "$log" &&
		grep -q "peer: echo from 10.0.0.1: 1000000 of 1000000 bytes back, 0 wrong" "$log" &&
		grep -q "init: peer exited 0" "$log"; then
		pass "switch/linux-to-lull-$machine (ping and a 1 MB echo from the Linux guest)"
	else
		fail "switch/linux-to-lull-$machine" "the Linux guest's ping or echo failed" "$(grep -E 'peer|init:' "$log")"
	fi
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
