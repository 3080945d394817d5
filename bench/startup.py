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
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    cert = client_cert()
    env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="5,6")
    if cert:
        env["PLUGIN_CLIENT_CERT"] = cert
    times = []
    rss = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = p.stdout.readline()
        t1 = time.perf_counter()
        rss.append(resident_kib(p.pid))
        p.kill()
        p.wait()
        if not line.startswith(b"1|6|unix|"):
            sys.exit(f"bad handshake line: {line!r}")
        times.append((t1 - t0) * 1000)
    times.sort()
    print(f"handshake: runs={runs} mtls={'yes' if cert else 'no'} "
          f"median={statistics.median(times):.2f}ms min={times[0]:.2f}ms max={times[-1]:.2f}ms "
          f"rss_at_handshake_median={statistics.median(rss) / 1024:.1f}MiB")


def resident_kib(pid):
    """The process's resident set size (VmRSS), in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main()
