#!/usr/bin/env python3
"""linux_peer.py: the Linux side of the network tests, run inside the test
namespace so that Linux's own TCP/IP talks to the Lull stack.

  linux_peer.py echo-server PORT EXIT_AFTER   TCP echo; exits after EXIT_AFTER connections
  linux_peer.py echo-client HOST PORT CONNECTIONS BYTES [TIMEOUT]
  linux_peer.py udp-echo-check HOST PORT COUNT
  linux_peer.py pipeline-client HOST PORT REQUESTS TIMEOUT
                                               REQUESTS lines written before
                                               any reply ("+OK\r\n" each) is read

The echo client keeps every connection open at once, sends BYTES of data
unique to each connection, and checks that exactly those bytes come back.
Exit status 0 on success, 1 on any wrong byte, error or timeout."""
import hashlib
import selectors
import socket
import sys
import time


def stream(index, size):
    seed = hashlib.sha256(b"lull-%d" % index).digest()
    block = b"".join(hashlib.sha256(seed + bytes([i])).digest() for i in range(256))
    return (block * (size // len(block) + 1))[:size]


def echo_server(port, exit_after):
    sel = selectors.DefaultSelector()
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("0.0.0.0", port))
    lst.listen(2048)
    lst.setblocking(False)
    sel.register(lst, selectors.EVENT_READ, None)
    print("ready", flush=True)
    done = 0
    pending = {}
    while done < exit_after:
        for key, events in sel.select(timeout=1):
            if key.data is None:
                try:
                    c, _ = lst.accept()
                except BlockingIOError:
                    continue
                c.setblocking(False)
                pending[c] = bytearray()
                sel.register(c, selectors.EVENT_READ, "conn")
                continue
            c = key.fileobj
            out = pending[c]
            if events & selectors.EVENT_READ:
                try:
                    data = c.recv(65536)
                except ConnectionError:
                    data = None
                if data:
                    out.extend(data)
                elif not out or data is None:
                    sel.unregister(c)
                    c.close()
                    del pending[c]
                    done += 1
                    continue
            if out:
                try:
                    n = c.send(out)
                    del out[:n]
                except BlockingIOError:
                    pass
                except ConnectionError:
                    sel.unregister(c)
                    c.close()
                    del pending[c]
                    done += 1
                    continue
            want = selectors.EVENT_READ | (selectors.EVENT_WRITE if out else 0)
            if key.events != want:
                sel.modify(c, want, "conn")
    return 0


def echo_client(host, port, connections, size, timeout):
    sel = selectors.DefaultSelector()
    conns = {}
    for i in range(connections):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        conns[s] = {"i": i, "data": stream(i, size), "sent": 0, "got": bytearray()}
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    ok = failed = 0
    deadline = time.time() + timeout
    while conns and time.time() < deadline:
        for key, events in sel.select(timeout=1):
            s = key.fileobj
            c = conns[s]
            finished = None
            try:
                if events & selectors.EVENT_WRITE and c["sent"] < size:
                    c["sent"] += s.send(c["data"][c["sent"]:c["sent"] + 262144])
                    if c["sent"] == size:
                        s.shutdown(socket.SHUT_WR)
                        sel.modify(s, selectors.EVENT_READ)
                if events & selectors.EVENT_READ:
                    data = s.recv(262144)
                    if data:
                        c["got"].extend(data)
                    else:
                        finished = bytes(c["got"]) == c["data"]
            except BlockingIOError:
                pass
            except OSError as e:
                print("connection %d: %s" % (c["i"], e), file=sys.stderr)
                finished = False
            if finished is not None:
                if not finished:
                    print("connection %d: %d of %d bytes back, %s" % (
                        c["i"], len(c["got"]), size,
                        "wrong bytes" if len(c["got"]) == size else "short"), file=sys.stderr)
                ok += finished
                failed += not finished
                sel.unregister(s)
                s.close()
                del conns[s]
    if conns:
        print("timed out with %d connections open" % len(conns), file=sys.stderr)
    print("echo-client: %d ok, %d failed, %d timed out" % (ok, failed, len(conns)))
    return 0 if ok == connections else 1


def udp_echo_check(host, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    for i in range(count):
        msg = b"datagram %d " % i + stream(i, 1000 + i)
        for _ in range(5):
            s.sendto(msg, (host, port))
            try:
                data, _ = s.recvfrom(4096)
                break
            except socket.timeout:
                continue
        else:
            print("no echo for datagram %d" % i, file=sys.stderr)
            return 1
        if data != msg:
            print("datagram %d came back different" % i, file=sys.stderr)
            return 1
    print("udp-echo-check: %d datagrams echoed" % count)
    return 0


def pipeline_client(host, port, requests, timeout):
    """Redis's pipelining stresser: every request is written before any
    reply is read, through small buffers, so that the server's replies
    close this side's window while it still sends (and sendall waits for
    the server to take the requests, not for the send buffer); a server that
    keeps reading must still get all requests and see its replies taken
    once the client reads. It closes after the last reply."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    s.settimeout(timeout)
    s.connect((host, port))
    start = time.time()
    try:
        # 10 ms between batches of 1000: the sending outlasts the server's
        # first zero-window probe (its RTO, at least 200 ms) on a fast peer.
        for first in range(0, requests, 1000):
            s.sendall(b"".join(b"SET key:%d %d\n" % (i, i)
                               for i in range(first, min(first + 1000, requests))))
            time.sleep(0.01)
        want = b"+OK\r\n" * requests
        got = bytearray()
        while len(got) < len(want):
            data = s.recv(262144)
            if not data:
                break
            got.extend(data)
    except OSError as e:
        print("pipeline-client: %s after %.1f s" % (e, time.time() - start), file=sys.stderr)
        return 1
    s.close()
    if bytes(got) != want:
        print("pipeline-client: %d of %d reply bytes" % (len(got), len(want)), file=sys.stderr)
        return 1
    print("pipeline-client: %d requests answered in %.1f s" % (requests, time.time() - start))
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "echo-server":
        return echo_server(int(argv[2]), int(argv[3]))
    if len(argv) in (6, 7) and argv[1] == "echo-client":
        timeout = float(argv[6]) if len(argv) == 7 else 300
        return echo_client(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), timeout)
    if len(argv) == 6 and argv[1] == "pipeline-client":
        return pipeline_client(argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
    if len(argv) == 5 and argv[1] == "udp-echo-check":
        return udp_echo_check(argv[2], int(argv[3]), int(argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
