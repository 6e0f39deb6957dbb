# SPDX-License-Identifier: AGPL-3.0-or-later
"""Connection limits of eseal serve, from outside: run by serve_refusals.sh against a server
started with --per-ip-connections 2 --timeout-s 4.

  - two connections from one address are kept open; a third is closed at once, unanswered;
  - once one of the two closes, a new one is served again;
  - a connection that sends nothing, or half a request, is closed after the time-out
    (slowloris), while the server goes on answering others.
Usage: connlimits.py HOST PORT. Prints what it saw; exits 1 on a difference.
"""
import socket
import sys
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])
fail = []


def conn():
    s = socket.create_connection((HOST, PORT), timeout=10)
    return s


def closed_within(s, seconds):
    """True if the server closes @s (EOF or reset) within @seconds."""
    s.settimeout(seconds)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def healthz():
    s = conn()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    s.settimeout(10)
    while True:
        try:
            d = s.recv(4096)
        except (socket.timeout, ConnectionResetError):
            break
        if not d:
            break
        data += d
    s.close()
    return data.startswith(b"HTTP/1.1 200")


def ask(s):
    """One keep-alive request on @s: True if it is answered."""
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(10)
    try:
        return s.recv(4096).startswith(b"HTTP/1.1 200")
    except (socket.timeout, ConnectionResetError):
        return False


a, b = conn(), conn()
time.sleep(0.3)
c = conn()
if not closed_within(c, 3):
    fail.append("a third connection from one address was kept open")
c.close()
if not ask(a):
    fail.append("the first connection was not served (closed with the third?)")
b.close()
time.sleep(0.3)
# one slot free again: a request is answered; then a (the idle one) times out
if not healthz():
    fail.append("no answer once a connection was free again")
half = conn()
half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
t0 = time.time()
if not closed_within(a, 10):
    fail.append("an idle connection was not closed after the 4 s time-out")
if not closed_within(half, 10):
    fail.append("half a request was not closed after the time-out")
waited = time.time() - t0
a.close()
half.close()
if not healthz():
    fail.append("the server stopped answering")
print(f"connlimits: third connection refused, idle and half requests closed after the time-out "
      f"(waited {waited:.1f} s), {len(fail)} differences")
for f in fail:
    print("FAIL:", f)
sys.exit(1 if fail else 0)
