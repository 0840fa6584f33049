#!/usr/bin/env python3
"""Guest-boot test: Docker on the Raspberry Pi 3 (issue 18).

    docker_test.py --socemu PATH --work DIR

Boots $SOCEMU_RPI3_DOCKER_CARD (tools/guest-assets.sh --docker: Debian's docker.io 20.10,
containerd, runc, iptables-nft and apparmor on the demo card's kernel and initramfs) with
`socemu --board rpi3 --sd CARD` alone. Its /sbin/init (tools/assets/rpi3-docker/init) starts
dockerd, waits for its API, `docker load`s the busybox image preloaded in docker-save format,
runs it once with `docker run --rm --network none` and powers off.

dockerd probes for binfmt emulators at start by running a tiny 32-bit ARM program (/check);
with a core that advertised AArch32 EL0 without implementing it, that wedged a core with
interrupts masked: an RCU stall, then SD timeouts (tests/system/aarch32_el0.c covers the CPU
side without Docker).

Checks: the markers in order (dockerd up, image loaded, the container's line, exit 0, power
off), socemu's exit 0, no stall/oops/MMC error on the console, the card file unchanged.
Exit 0 pass, 1 fail, 77 skip (no Docker card: run tools/guest-assets.sh --docker).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootlib as bt  # noqa: E402  (assets, socemu runner, marker and clean-log checks)

MARKERS = [
    "SOCEMU-SWITCH-ROOT=/dev/mmcblk0p2",
    "SOCEMU-DOCKER-START",
    "SOCEMU-DOCKERD-UP",
    re.compile(r"^docker 20\.10\.\S+ on linux/arm64$"),
    "Loaded image: socemu/hello:1",
    "SOCEMU-DOCKER-LOAD-OK",
    re.compile(r"^hello from docker$"),
    "SOCEMU-DOCKER-RUN-EXIT=0",
    "SOCEMU-DOCKER-OK",
    "SOCEMU-INIT-DONE",
    "reboot: Power down",
]
# What the wedged core of issue 18 made the kernel print, and any other sign of a sick guest.
FORBIDDEN = [
    (re.compile(r"rcu: INFO|rcu_.*stall|self-detected stall|hung_task|blocked for more than", re.I),
     "RCU stall / hung task"),
    (re.compile(r"timeout|timed out", re.I), "timeout"),
    (re.compile(r"mmc\d: card removed|I/O error|EXT4-fs error|Buffer I/O"), "SD / file system error"),
    (re.compile(r"\bBUG\b|WARNING:|Oops|Call trace|Unable to handle|Internal error|Kernel panic"),
     "kernel oops"),
    (re.compile(r"SOCEMU-DOCKER-FAILED"), "the guest's Docker step failed"),
]


def main():
    args = bt.parse_args(__doc__)
    env = bt.load_assets()
    # assets.env names it; a run of guest-assets.sh from an older checkout may have rewritten
    # assets.env without it, so also look where --docker puts it.
    card = env.get("SOCEMU_RPI3_DOCKER_CARD") or os.path.join(
        env.get("SOCEMU_ASSETS_DIR", ""), "rpi3-docker", "card.img")
    if not os.path.isfile(card):
        print("SKIP: no Docker card (%s); run tools/guest-assets.sh --docker" % card)
        return bt.SKIP
    t0 = bt.start(args.work)
    before = bt.sha256(card)
    r = bt.socemu(["--board", "rpi3", "--sd", card, "--timeout", str(bt.HOST_TIMEOUT)], args.work,
                  "docker")
    bt.check_rc(r, 0, "Docker boot")
    bt.check_order(r.lines, MARKERS, "Docker boot")
    bt.check_clean(r.lines, "Docker boot", forbidden=FORBIDDEN, note="no stall, oops or SD error")
    m = [l for l in r.err.splitlines() if "guest time" in l]
    if m:
        print("  " + m[-1].strip())
    if bt.sha256(card) != before:
        bt.fail("%s changed (socemu must keep the guest's writes in its overlay)" % card)
    return bt.finish("docker", t0, args.work)


if __name__ == "__main__":
    sys.exit(main())
