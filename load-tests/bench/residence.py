#!/usr/bin/env python3
"""load-tests/bench/residence.py: how long each SIP message stays in a proxy, read from a loopback capture.

On the loopback interface a datagram is captured when its sender hands it to the kernel, which is also when it lands
in the receiver's socket queue. So for a message that goes caller -> proxy -> backend (a request) or backend -> proxy
-> caller (a response), the time between its two captures is its residence in the proxy: waiting in the socket
queue, the wake-up of the proxy's thread, the proxy's own work, and any write held back until a batch is flushed.
The harness (caller and backends) is not in it, which is what makes it comparable between runs on a noisy machine.

Capture (nanosecond timestamps; PROXY is the proxy's port, B1, B2 the backends'):
    tcpdump -i lo -s 0 -j adapter_unsynced --time-stamp-precision=nano -w run.pcap \\
        'udp and (port PROXY or port B1 or port B2)'
Then:
    load-tests/bench/residence.py run.pcap PROXY B1,B2 [--skip SECONDS]

Messages are matched by Call-ID and CSeq method (requests) or status and CSeq method (responses), first copy on
each side (retransmissions are ignored). The row INVITE->200 is, per call, the INVITE's residence plus its 200's:
the part of the caller's INVITE -> 200 time spent inside the proxy. A response the proxy made itself (100 Trying)
has no copy from a backend; its delay after the request's arrival is printed apart, with how often it left before
the forwarded request.
Only UDP over IPv4 is read; nothing before the first request to PROXY counts. --skip leaves out the first SECONDS
after that request (a generator's warm-up).
"""
import re
import struct
import sys

CALL_ID = re.compile(rb'\r\n(?:Call-ID|i)[ \t]*:[ \t]*([^\r\n]+)', re.I)
CSEQ = re.compile(rb'\r\nCSeq[ \t]*:[ \t]*\d+[ \t]+([A-Za-z]+)', re.I)
LINK_HEADER = {0: 4, 1: 14, 113: 16, 276: 20}  # null/loopback, Ethernet, Linux cooked v1 and v2


def packets(path):
    """Yields (timestamp in s, source port, destination port, UDP payload) of the capture's IPv4 UDP packets."""
    with open(path, 'rb') as f:
        header = f.read(24)
        if len(header) < 24:
            raise SystemExit(f"{path}: not a pcap file (too short)")
        magic = struct.unpack('<I', header[:4])[0]
        if magic not in (0xa1b2c3d4, 0xa1b23c4d):
            raise SystemExit(f"{path}: not a little-endian pcap file (magic {magic:#x}); pcapng is not read")
        scale = 1e9 if magic == 0xa1b23c4d else 1e6
        link = struct.unpack('<I', header[20:24])[0]
        if link not in LINK_HEADER:
            raise SystemExit(f"{path}: link type {link} is not read (expected one of {sorted(LINK_HEADER)})")
        offset = LINK_HEADER[link]
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            seconds, fraction, length, _ = struct.unpack('<IIII', record)
            data = f.read(length)
            ip = data[offset:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            sport, dport = struct.unpack('>HH', ip[ihl:ihl + 4])
            yield seconds + fraction / scale, sport, dport, ip[ihl + 8:]


def percentile(values, p):
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main(argv):
    args = [a for a in argv if not a.startswith('--')]
    skip = 0.0
    if '--skip' in argv:
        i = argv.index('--skip')
        try:
            skip = float(argv[i + 1])
        except (IndexError, ValueError):
            raise SystemExit("residence.py: --skip needs a number of seconds")
        args.remove(argv[i + 1])
    if len(args) != 3 or '--help' in argv:
        raise SystemExit(__doc__)
    path = args[0]
    try:
        proxy = int(args[1])
        backends = {int(p) for p in args[2].split(',')}
    except ValueError:
        raise SystemExit("residence.py: PROXY and BACKENDS are port numbers (BACKENDS comma-separated)")

    seen = {}  # (call-id, kind) -> [time in, time out]
    start = None
    for ts, sport, dport, payload in packets(path):
        if start is None:
            if dport != proxy or payload.startswith(b'SIP/2.0'):
                continue
            start = ts
        if ts - start < skip:
            continue
        call_id, cseq = CALL_ID.search(payload), CSEQ.search(payload)
        if not call_id or not cseq:
            continue
        first = payload.split(b'\r\n', 1)[0].split()
        if not first:
            continue
        method = cseq.group(1).upper()
        if first[0] == b'SIP/2.0':
            kind = (first[1] + b' ' + method).decode(errors='replace')
            side = 0 if sport in backends else 1 if sport == proxy else None
        else:
            kind = first[0].decode(errors='replace')
            side = 0 if dport == proxy else 1 if dport in backends else None
        if side is None:
            continue
        times = seen.setdefault((call_id.group(1).strip(), kind), [None, None])
        if times[side] is None:
            times[side] = ts

    by_kind = {}
    for (_, kind), (t_in, t_out) in seen.items():
        if t_in is not None and t_out is not None and t_out >= t_in:
            by_kind.setdefault(kind, []).append((t_out - t_in) * 1e6)
    if not by_kind:
        raise SystemExit(f"{path}: no message seen both entering and leaving port {proxy}")
    print(f"residence in the proxy (us), from {path}"
          f"{f', the {skip:g} s after the first request left out' if skip else ''}")
    print(f"{'message':14} {'count':>7} {'p50':>7} {'p90':>7} {'p99':>7} {'p99.9':>7} {'max':>7}")
    for kind in sorted(by_kind, key=lambda k: (k[0].isdigit(), k)):
        v = sorted(by_kind[kind])
        print(f"{kind:14} {len(v):7} {percentile(v, 50):7.0f} {percentile(v, 90):7.0f} {percentile(v, 99):7.0f} "
              f"{percentile(v, 99.9):7.0f} {v[-1]:7.0f}")

    # the time one call's INVITE -> 200 spent in the proxy: the INVITE's residence plus its 200's
    added = []
    for (call_id, kind), (t_in, t_out) in seen.items():
        if kind != 'INVITE' or t_in is None or t_out is None or t_out < t_in:
            continue
        ok = seen.get((call_id, '200 INVITE'))
        if ok and ok[0] is not None and ok[1] is not None and ok[1] >= ok[0]:
            added.append((t_out - t_in + ok[1] - ok[0]) * 1e6)
    if added:
        v = sorted(added)
        print(f"{'INVITE->200':14} {len(v):7} {percentile(v, 50):7.0f} {percentile(v, 90):7.0f} "
              f"{percentile(v, 99):7.0f} {percentile(v, 99.9):7.0f} {v[-1]:7.0f}  (per call: INVITE + its 200)")

    trying, first = [], 0
    for (call_id, kind), (t_in, t_out) in seen.items():
        if kind != 'INVITE' or t_in is None:
            continue
        own = seen.get((call_id, '100 INVITE'))
        if own and own[0] is None and own[1] is not None:
            trying.append((own[1] - t_in) * 1e6)
            if t_out is not None and own[1] < t_out:
                first += 1
    if trying:
        trying.sort()
        print(f"100 Trying made by the proxy: {len(trying)}, p50 {percentile(trying, 50):.0f} us "
              f"p99 {percentile(trying, 99):.0f} us after the INVITE arrived; "
              f"left before the forwarded INVITE: {first}")


if __name__ == '__main__':
    main(sys.argv[1:])
