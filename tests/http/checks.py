#!/usr/bin/env python3
"""checks.py: examples/httpd seen from a client, the same for the Lull image
and the Linux build.

    checks.py HOST PORT WWW_DIR [--load-seconds N] [--connections N]

WWW_DIR holds the files the server serves (their bytes and mtimes are what
the answers must carry). Prints one line per check ("ok NAME" or
"FAILED NAME: why") and exits 1 if any failed.
"""
import argparse
import email.utils
import os
import socket
import threading
import time

READ_TIMEOUT = 10  # the server's request deadline (httpd.c READ_TIMEOUT_MS)

failures = []


def check(name, ok, why=""):
    print(("ok " if ok else "FAILED ") + name + ("" if ok else ": " + why), flush=True)
    if not ok:
        failures.append(name)


def connect(addr, timeout=10):
    return socket.create_connection(addr, timeout=timeout)


def read_response(f, head_only=False):
    """One response from a socket's file: (status, headers lower-cased,
    body), or None at end of file."""
    status_line = f.readline()
    if not status_line:
        return None
    parts = status_line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ValueError("bad status line %r" % status_line)
    headers = {}
    while True:
        line = f.readline()
        if not line.endswith(b"\r\n"):
            raise ValueError("connection closed inside a response head")
        if line == b"\r\n":
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head_only or parts[1] == "304" else int(headers.get("content-length", "0"))
    body = f.read(length)
    if len(body) != length:
        raise ValueError("connection closed inside a body")
    return int(parts[1]), headers, body


def exchange(addr, request, head_only=False, wait_close=0.3):
    """Sends raw bytes, returns the first response and whether the server
    then closed the connection (within wait_close seconds, sending nothing
    more)."""
    with connect(addr) as s, s.makefile("rb") as f:
        s.sendall(request)
        response = read_response(f, head_only)
        s.settimeout(wait_close)
        try:
            closed = f.read(1) == b""
        except socket.timeout:
            closed = False
        return response, closed


def get(path, extra=""):
    return ("GET %s HTTP/1.1\r\nHost: test\r\n%s\r\n" % (path, extra)).encode()


def http_date_ok(value):
    try:
        return abs(email.utils.parsedate_to_datetime(value).timestamp() - time.time()) < 24 * 3600 * 365 * 100
    except (TypeError, ValueError):
        return False


def check_files(addr, www):
    index = open(os.path.join(www, "index.html"), "rb").read()
    mtime = int(os.stat(os.path.join(www, "index.html")).st_mtime)
    (status, h, body), closed = exchange(addr, get("/", "Connection: close\r\n"), wait_close=5)
    check("GET / is 200", status == 200, str(status))
    check("GET / body is index.html", body == index, "%d bytes" % len(body))
    check("Content-Length", h.get("content-length") == str(len(index)), h.get("content-length", "none"))
    check("Content-Type", h.get("content-type", "").startswith("text/html"), h.get("content-type", "none"))
    check("Date", http_date_ok(h.get("date")), h.get("date", "none"))
    check("Last-Modified", h.get("last-modified") == email.utils.formatdate(mtime, usegmt=True),
          "%s, file mtime %s" % (h.get("last-modified"), email.utils.formatdate(mtime, usegmt=True)))
    check("ETag", h.get("etag", "").startswith('"'), h.get("etag", "none"))
    check("Connection: close closes", closed)

    css = open(os.path.join(www, "css", "site.css"), "rb").read()
    (status, h, body), _ = exchange(addr, get("/css/site.css"))
    check("GET /css/site.css", status == 200 and body == css and h.get("content-type", "").startswith("text/css"),
          "%d %s" % (status, h.get("content-type")))
    etag = exchange(addr, get("/"))[0][1].get("etag", "none")
    (status, _, body), _ = exchange(addr, get("/", "If-None-Match: %s\r\n" % etag))
    check("If-None-Match is 304 without a body", status == 304 and body == b"", str(status))

    (status, h, _), closed = exchange(addr, b"HEAD / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
                                      head_only=True, wait_close=5)
    check("HEAD has the headers and no body",
          status == 200 and h.get("content-length") == str(len(index)) and closed,
          "%d, Content-Length %s, closed right after the head: %s" % (status, h.get("content-length"), closed))


def check_errors(addr):
    (status, _, _), closed = exchange(addr, get("/no-such-file.html"))
    check("missing file is 404 (connection kept)", status == 404 and not closed, "%d closed=%s" % (status, closed))
    for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/css/../../../etc/hostname"):
        (status, _, _), _ = exchange(addr, get(path))
        check("%s does not escape (404)" % path, status == 404, str(status))
    (status, h, _), closed = exchange(addr, b"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello")
    check("POST is 405 with Allow", status == 405 and "GET" in h.get("allow", ""), "%d %s" % (status, h))
    (status, _, _), _ = exchange(addr, b"GET / HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc")
    check("GET with content is 413", status == 413, str(status))
    big = b"GET / HTTP/1.1\r\nHost: test\r\n" + b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 100) for i in range(100)) + b"\r\n"
    (status, _, _), closed = exchange(addr, big, wait_close=5)
    check("oversized headers are 431", status == 431 and closed, "%d closed=%s" % (status, closed))
    for garbage in (b"garbage\r\n\r\n", b"GET /\r\n\r\n", b"\x00\x01\x02 / HTTP/1.1\r\n\r\n",
                    b"GET / HTTP/1.1\r\nbad header line\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n"):
        (status, _, _), closed = exchange(addr, garbage, wait_close=5)
        check("%r is 400" % garbage[:24], status == 400 and closed, "%d closed=%s" % (status, closed))
    (status, _, _), _ = exchange(addr, b"GET / HTTP/2.0\r\nHost: test\r\n\r\n")
    check("HTTP/2.0 request line is 505", status == 505, str(status))

    with connect(addr) as s, s.makefile("rb") as f:  # two pipelined requests
        s.sendall(get("/about.txt") + get("/"))
        first, second = read_response(f), read_response(f)
        check("keep-alive and pipelining", first[0] == 200 and second[0] == 200, "%s %s" % (first[0], second[0]))


def stall(addr, result):
    """Sends half a request and waits: the server must answer 408 or close."""
    start = time.monotonic()
    try:
        with connect(addr, timeout=READ_TIMEOUT + 10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: te")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            result["status"] = data.split(b" ", 2)[1].decode() if data else "closed"
    except (OSError, IndexError) as e:
        result["status"] = "error %s" % e
    result["seconds"] = time.monotonic() - start


# QEMU's user networking takes forwarded connections from a host listen
# queue of 1. A connect() can return while the connection still waits
# there: the host kernel then drops the client's data until QEMU accepts,
# and the client retries with a doubling timeout. Measured with a hundred
# clients sending their first request at once: some waited 13 s, and the
# guest saw nothing of them until then. So the connections are opened one
# at a time, each proven by one request served, and the load clock starts
# once all are; OPEN_WAIT bounds each of those first exchanges.
OPEN_WAIT = 30


def request_index(s, f, index):
    """One GET / on an open connection; raises unless it is index.html."""
    s.sendall(get("/"))
    response = read_response(f)
    if response is None or response[0] != 200 or response[2] != index:
        raise ValueError("bad response %r" % (response[:2] if response else None,))


def open_connection(addr, index):
    s = connect(addr, timeout=OPEN_WAIT)
    try:
        f = s.makefile("rb")
        request_index(s, f, index)
    except BaseException:
        s.close()
        raise
    s.settimeout(10)
    return s, f


def keep_alive_client(s, f, index, until, stats, lock):
    try:
        with s, f:
            while time.monotonic() < until:
                request_index(s, f, index)
                with lock:
                    stats["requests"] += 1
    except (OSError, ValueError) as e:
        with lock:
            stats["errors"] += 1
            stats["first_error"] = stats.get("first_error") or "request: %r" % e


def check_load(addr, www, seconds, connections):
    index = open(os.path.join(www, "index.html"), "rb").read()
    stalled = {}
    staller = threading.Thread(target=stall, args=(addr, stalled))
    staller.start()
    opened = []
    try:
        for _ in range(connections):
            opened.append(open_connection(addr, index))
    except (OSError, ValueError) as e:
        check("%d keep-alive connections open" % connections, False,
              "connection %d: %r" % (len(opened) + 1, e))
        for s, f in opened:
            f.close()
            s.close()
        opened = []
    stats = {"requests": 0, "errors": 0}
    lock = threading.Lock()
    until = time.monotonic() + seconds
    clients = [threading.Thread(target=keep_alive_client, args=(s, f, index, until, stats, lock))
               for s, f in opened]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    if opened:
        check("%d keep-alive connections for %ds: %d requests, no error" % (connections, seconds, stats["requests"]),
              stats["errors"] == 0 and stats["requests"] >= connections,
              "%d errors, first: %s" % (stats["errors"], stats.get("first_error")))
    staller.join()
    check("a stalled half request is dropped (%s after %.1fs)" % (stalled.get("status"), stalled.get("seconds", 0)),
          stalled.get("status") in ("408", "closed") and stalled.get("seconds", 99) < READ_TIMEOUT + 8,
          str(stalled))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("www")
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=100)
    args = parser.parse_args()
    addr = (args.host, args.port)
    try:
        check_files(addr, args.www)
        check_errors(addr)
        check_load(addr, args.www, args.load_seconds, args.connections)
    except (OSError, ValueError) as e:
        check("the server answers", False, repr(e))
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
