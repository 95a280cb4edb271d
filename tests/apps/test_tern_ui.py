#!/usr/bin/env python3
"""tern's operator interfaces: the interactive prompt (DPDK cmdline, only on
a terminal: driven here through a pseudo-terminal) and the DPDK telemetry
commands /tern/stats, /tern/cores, /tern/ports (spoken directly over the
telemetry socket, the protocol dpdk-telemetry.py uses).

    test_tern_ui.py TERN

Ports are two net_null devices. Exit 77 (SKIP) only if the EAL cannot start.
"""
import json
import os
import pty
import select
import shutil
import subprocess
import socket
import sys
import time

TERN = sys.argv[1]
PFX = f"tern-ui-test-{os.getpid()}"
EAL = ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", PFX, "-l", "0",
       "--vdev", "net_null0", "--vdev", "net_null1", "--log-level=lib.eal:warning"]
fails = []
T0 = time.monotonic()


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what + f"  [{time.monotonic() - T0:.1f} s]", flush=True)
    if not cond:
        fails.append(what)


def read_until(fd, token, timeout=10.0):
    """Read from the pty until token appears (or timeout); returns the text."""
    buf = b""
    end = time.monotonic() + timeout
    while token.encode() not in buf and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    return buf.decode(errors="replace")


def telemetry(cmd):
    path = f"/var/run/dpdk/{PFX}/dpdk_telemetry.v2"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    s.recv(1024 * 12)  # greeting
    s.send(cmd.encode())
    reply = json.loads(s.recv(1024 * 64).decode())
    s.close()
    return reply[cmd]


HAVE_QUIC_ECHO = False


def main():
    global HAVE_QUIC_ECHO
    helptext = subprocess.run(
        [TERN, "--no-huge", "-m", "64", "--no-pci", "--no-telemetry", "--file-prefix",
         PFX + "-help", "-l", "0", "--log-level=lib.eal:error", "--", "--help"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30).stdout
    shutil.rmtree(f"/var/run/dpdk/{PFX}-help", ignore_errors=True)
    HAVE_QUIC_ECHO = "quic-echo" in helptext
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(TERN, [TERN] + EAL + ["--", "--duration", "60", "--quic-conns", "100"]
                 if HAVE_QUIC_ECHO else [TERN] + EAL + ["--", "--duration", "60"])
    try:
        out = read_until(fd, "tern> ", 20)
        if "EAL initialisation failed" in out:
            print("SKIP DPDK EAL cannot start here: " + out.strip().splitlines()[-1])
            return 77
        check("tern> " in out, "prompt shown on a terminal")
        check("forwarding started in io mode" in out, "forwarding autostarted in io mode")

        # Telemetry while forwarding runs (the prompt stays usable meanwhile).
        time.sleep(0.5)
        st = telemetry("/tern/stats")
        check(st["mode"] == "io" and st["forwarding"] == 1, "/tern/stats: io, forwarding")
        check(st["rx_packets"] > 0 and st["tx_packets"] > 0,
              f'/tern/stats: rx {st["rx_packets"]} tx {st["tx_packets"]} > 0')
        check(st["cycles_per_packet_x100"] > 0, "/tern/stats: cycles per packet measured")
        cores = telemetry("/tern/cores")
        check(list(cores) == ["lcore0"] and cores["lcore0"]["rx_packets"] > 0,
              "/tern/cores: one worker (the main lcore) with packets")
        ports = telemetry("/tern/ports")
        check(sorted(ports) == ["port0", "port1"] and ports["port0"]["ipackets"] > 0,
              "/tern/ports: two ports with packets")

        def cmd(line, token):
            """Send a line, read until its expected output and the next prompt,
            so no output of one command is read as the next one's."""
            os.write(fd, (line + "\n").encode())
            out = read_until(fd, token)
            if token in out and "tern> " not in out[out.find(token) + len(token):]:
                out += read_until(fd, "tern> ", 2.0)
            if os.environ.get("TERN_UI_DEBUG"):
                print(repr(out))
            return out

        out = cmd("show port stats", "rx-nombuf")
        check("rx-packets" in out and "\n0 " in out.replace("\r", ""),
              "show port stats: table with port 0")
        out = cmd("show core stats", "cycles/pkt")
        check("cycles/pkt" in out, "show core stats: cycles/pkt column")
        out = cmd("show keys", "no key table")
        check("no key table" in out, "show keys in io mode: no key table")
        out = cmd("set mode macswap", "stop' first")
        check("stop' first" in out, "set mode refused while forwarding")
        out = cmd("stop", "forwarding stopped")
        check("forwarding stopped" in out, "stop")
        out = cmd("set mode macswap", "mode macswap")
        check("mode macswap" in out, "set mode macswap while stopped")
        out = cmd("set mode nonsense", "unknown mode")
        check("unknown mode" in out, "unknown mode refused")
        out = cmd("start", "forwarding started in macswap mode")
        check("forwarding started in macswap mode" in out, "start in macswap mode")
        time.sleep(0.3)
        st = telemetry("/tern/stats")
        check(st["mode"] == "macswap" and st["forwarding"] == 1,
              "/tern/stats after restart: macswap, forwarding")
        final_mode = "macswap"
        if HAVE_QUIC_ECHO:
            out = cmd("stop", "forwarding stopped")
            out = cmd("set mode quic-echo", "mode quic-echo")
            check("mode quic-echo" in out, "set mode quic-echo")
            out = cmd("start", "forwarding started in quic-echo mode")
            check("100 connections installed" in out, "quic-echo installs 100 lab connections")
            out = cmd("show keys", "pending")
            rows = [l.split() for l in out.replace("\r", "").splitlines()]
            check(any(r[:2] == ["0", "100"] for r in rows), "show keys: worker 0 has 100 conns")
            final_mode = "quic-echo"
        os.write(fd, b"quit\n")
        out = read_until(fd, "cycles/pkt", 15)
        check(f"final statistics ({final_mode} mode" in out, "quit prints final statistics")
        _, status = os.waitpid(pid, 0)
        check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "tern exits 0 after quit")
    finally:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        shutil.rmtree(f"/var/run/dpdk/{PFX}", ignore_errors=True)
    print(f"{len(fails)} failed")
    return 1 if fails else 0


sys.exit(main())
