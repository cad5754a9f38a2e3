#!/usr/bin/env python3
"""make_corpus.py: writes the seed inputs of fuzz_receive (tests/fuzz/corpus/):
well-formed frames of each protocol the stack parses, in the record format
fuzz_receive.c describes (checksums are fixed by the harness)."""
import os
import struct
import sys

OUR_MAC = bytes.fromhex("525400123456")
PEER_MAC = bytes.fromhex("525400abcdef")
OUR_IP = bytes([10, 0, 2, 15])
PEER_IP = bytes([10, 0, 2, 2])


def record(frame, advance_ms=0, fix=True):
    return struct.pack(">BBH", 1 if fix else 0, advance_ms, len(frame)) + frame


def eth(payload, ethertype=0x0800, dst=OUR_MAC):
    return dst + PEER_MAC + struct.pack(">H", ethertype) + payload


def ipv4(proto, payload, frag=0x4000, ident=1, dst=OUR_IP):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                       PEER_IP, dst) + payload


def tcp(flags, seq, ack, data=b"", options=b"", sport=40000, dport=7, window=65535):
    offset = (20 + len(options)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, offset << 4, flags, window, 0, 0) \
        + options + data


SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08
# The DHCP client's transaction id: inet_random() of the harness's fixed
# random value, 0x1234567890abcdef (low half xor high half).
DHCP_XID = 0x829f9b97


def dhcp_reply(message_type, lease_s=3600):
    """A DHCP server's reply to port 68, broadcast, offering 10.0.2.15."""
    bootp = struct.pack(">BBBBIHHIIII16s64s128sI", 2, 1, 6, 0, DHCP_XID, 0, 0x8000, 0,
                        int.from_bytes(OUR_IP, "big"), 0, 0, OUR_MAC, b"", b"", 0x63825363)
    options = bytes([53, 1, message_type, 54, 4]) + PEER_IP + bytes([1, 4, 255, 255, 255, 0, 3, 4]) \
        + PEER_IP + bytes([51, 4]) + struct.pack(">I", lease_s) + bytes([255])
    payload = bootp + options
    udp = struct.pack(">HHHH", 67, 68, 8 + len(payload), 0) + payload
    return eth(ipv4(17, udp, dst=b"\xff" * 4), dst=b"\xff" * 6)
# The harness fixes the stack's random numbers, so its ISS is this.
OUR_ISS = 0x90abcdef


def seeds():
    arp = struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC, PEER_IP, bytes(6), OUR_IP)
    yield "arp-request", record(eth(arp, 0x0806, b"\xff" * 6))
    yield "icmp-echo", record(eth(ipv4(1, struct.pack(">BBHHH", 8, 0, 0, 1, 1) + b"ping" * 8)))
    yield "udp-echo", record(eth(ipv4(17, struct.pack(">HHHH", 5353, 7, 8 + 5, 0) + b"hello")))
    yield "dhcp-offer-ack", record(dhcp_reply(2)) + record(dhcp_reply(5), 1)
    yield "ipv4-fragment", record(eth(ipv4(17, b"\x00" * 16, frag=0x2000)))
    mss = b"\x02\x04\x05\xb4"
    wscale = b"\x01\x03\x03\x07"
    sack_ts = b"\x04\x02\x08\x0a" + b"\x00" * 8
    syn = record(eth(ipv4(6, tcp(SYN, 1000, 0, options=mss + wscale + sack_ts))))
    handshake = syn + record(eth(ipv4(6, tcp(ACK, 1001, OUR_ISS + 1))), 1)
    yield "tcp-syn", syn
    data = record(eth(ipv4(6, tcp(ACK | PSH, 1001, OUR_ISS + 1, b"echo me"))), 1)
    ahead = record(eth(ipv4(6, tcp(ACK | PSH, 1011, OUR_ISS + 1, b"later"))), 1)
    hole = record(eth(ipv4(6, tcp(ACK | PSH, 1008, OUR_ISS + 1, b"and"))), 1)
    fin = record(eth(ipv4(6, tcp(FIN | ACK, 1016, OUR_ISS + 8))), 50)
    yield "tcp-session", handshake + data + ahead + hole + fin
    yield "tcp-reset", handshake + record(eth(ipv4(6, tcp(RST, 1001, 0))))
    yield "tcp-timeouts", handshake + data + record(eth(ipv4(6, tcp(ACK, 1008, OUR_ISS + 1, window=0))), 250) \
        + record(eth(b""), 250) * 8


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
