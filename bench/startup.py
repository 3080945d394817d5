#!/usr/bin/env python3
"""Start-up benchmark: time from process start to the go-plugin handshake line,
and from GRPCController/Shutdown being sent to process exit is covered by the
acceptance test. Usage: startup.py BINARY [RUNS]. Prints the median and more.

Each run starts the provider as Terraform does (magic cookie, and a P-521 CA
client certificate in PLUGIN_CLIENT_CERT so the AutoMTLS path is timed), reads
the first stdout line, then kills the process.
"""
import os
import statistics
import subprocess
import sys
import time

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

# A throwaway self-signed certificate to stand in for Terraform's, generated
# once per benchmark run with openssl when available.
def client_cert():
    try:
        out = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
             "-nodes", "-keyout", "/dev/null", "-subj", "/CN=localhost/O=HashiCorp", "-days", "1",
             "-addext", "basicConstraints=critical,CA:TRUE"],
            check=True, capture_output=True, text=True)
        return out.stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    """startup.py BINARY [RUNS], or startup.py BINARY... --runs N: with several
    binaries their starts are interleaved (one of each in turn), so that the
    machine's drift hits each alike; one line per binary."""
    args = sys.argv[1:]
    runs = 20
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    elif len(args) == 2 and args[1].isdigit():
        runs = int(args.pop())
    cert = client_cert()
    env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="5,6")
    if cert:
        env["PLUGIN_CLIENT_CERT"] = cert
    times = {b: [] for b in args}
    rss = {b: [] for b in args}
    for _ in range(runs):
        for binary in args:
            t, r = start_once(binary, env)
            times[binary].append(t)
            rss[binary].append(r)
    for binary in args:
        ts = sorted(times[binary])
        label = f"{binary}: " if len(args) > 1 else ""
        print(f"{label}handshake: runs={runs} mtls={'yes' if cert else 'no'} "
              f"median={statistics.median(ts):.2f}ms min={ts[0]:.2f}ms max={ts[-1]:.2f}ms "
              f"rss_at_handshake_median={statistics.median(rss[binary]) / 1024:.1f}MiB")


def start_once(binary, env):
    """Milliseconds from start to the handshake line, and KiB resident then."""
    t0 = time.perf_counter()
    p = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline()
    t1 = time.perf_counter()
    rss = resident_kib(p.pid)
    p.kill()
    p.wait()
    if not line.startswith(b"1|6|unix|"):
        sys.exit(f"bad handshake line from {binary}: {line!r}")
    return (t1 - t0) * 1000, rss


def resident_kib(pid):
    """The process's resident set size (VmRSS), in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main()
