#!/usr/bin/env python3
"""Guest stress run on the Docker card (issue 18): stress-ng with CPU, memory, fork and I/O
workers on all 4 cores for SECONDS of guest time plus a loop of `docker run`, checked for an RCU
stall, a hung task, an MMC timeout, a kernel oops or an emulator fault.

    bench/docker-stress.py [--socemu PATH] [--seconds S] [--timeout HOST_S] [--log FILE]

Boots $SOCEMU_RPI3_DOCKER_CARD (tools/guest-assets.sh --docker) with `--append
socemu.stress=S`; the card's init (tools/assets/rpi3-docker/init) first does the Docker boot test's
work, then runs `stress-ng --cpu 4 --vm 2 --vm-bytes 64M --fork 2 --io 2 --timeout Ss` and
`docker run --rm --network none` in a loop until stress-ng ends, then greps dmesg. Not part of
ctest: 10 minutes of guest time with 4 busy cores is hours of host time on a 2-core machine.
Prints the markers with their guest and host times and socemu's summary; exit 0 when the guest
says SOCEMU-STRESS-OK and socemu exits 0, 1 otherwise.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAD = re.compile(r"rcu: INFO|rcu_.*stall|self-detected stall|blocked for more than|hung_task|"
                 r"mmc\d: .*(timeout|timed out)|timeout waiting for hardware interrupt|"
                 r"I/O error|Oops|Internal error|Unable to handle|Kernel panic|\bBUG\b", re.I)


def assets_env():
    env = {}
    path = os.environ.get("SOCEMU_ASSETS_ENV") or os.path.expanduser("~/.cache/socemu/assets.env")
    if os.path.isfile(path):
        for line in open(path):
            m = re.match(r"^(\w+)='(.*)'\s*$", line)
            if m:
                env[m.group(1)] = m.group(2)
    env.update({k: v for k, v in os.environ.items() if k.startswith("SOCEMU_")})
    return env


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--socemu", default=os.path.join(ROOT, "build", "tools", "cli", "socemu"))
    ap.add_argument("--seconds", type=int, default=600, help="guest seconds of stress (600)")
    ap.add_argument("--timeout", default="6h", help="socemu --timeout (host time, 6h)")
    ap.add_argument("--log", default="docker-stress.log", help="console log (docker-stress.log)")
    a = ap.parse_args()
    env = assets_env()
    card = env.get("SOCEMU_RPI3_DOCKER_CARD") or os.path.join(
        env.get("SOCEMU_ASSETS_DIR", ""), "rpi3-docker", "card.img")
    if not os.path.isfile(card):
        print("docker-stress: no Docker card (%s): run tools/guest-assets.sh --docker" % card)
        return 2
    cmd = [a.socemu, "--board", "rpi3", "--sd", card, "--append", "socemu.stress=%d" % a.seconds,
           "--timeout", a.timeout]
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.monotonic()
    bad = []
    ok = False
    with open(a.log, "w") as log:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             errors="replace")
        for line in p.stdout:
            log.write(line)
            line = line.rstrip("\n")
            host = time.monotonic() - t0
            if "SOCEMU-" in line and "MODULE" not in line or line.startswith("socemu:"):
                print("[host %7.1f s] %s" % (host, line), flush=True)
            if line.startswith("SOCEMU-STRESS-OK"):
                ok = True
            if BAD.search(line):
                bad.append(line)
                print("[host %7.1f s] BAD: %s" % (host, line), flush=True)
        rc = p.wait()
    print("docker-stress: socemu exit %d after %.0f s host; stress %s; %d bad console lines "
          "(log: %s)" % (rc, time.monotonic() - t0, "OK" if ok else "NOT OK", len(bad), a.log))
    return 0 if ok and rc == 0 and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
