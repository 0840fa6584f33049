#!/usr/bin/env python3
"""Counter-poll parking never changes the work a timed loop does per guest second (issue 12
item 3): counter_poll.elf prints `WORK <iterations> <result>` for a 2 ms work loop that reads the
counter once per ~45 instructions (and `WORK2` for a loop with work that polls a device
register); run with and without SOCEMU_NO_POLL_PARK=1, the two must
agree within 5%, and the delay loops of the same program must still have been parked
(socemu-stats poll_parks > 0 with parking on).
Usage: counter_poll_work_test.py SOCEMU ELF"""
import os
import re
import subprocess
import sys

socemu, elf = sys.argv[1:3]
work = {}
parks = {}
for label, extra in (("park", {}), ("no-park", {"SOCEMU_NO_POLL_PARK": "1"})):
    env = dict(os.environ, SOCEMU_STATS="1", **extra)
    r = subprocess.run([socemu, "--board", "rpi3", "--kernel", elf, "--timeout", "60"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                       timeout=110)
    m = re.search(r"^WORK (\d+) ", r.stdout, re.M)
    m2 = re.search(r"^WORK2 (\d+) ", r.stdout, re.M)
    parks[label] = sum(int(n) for n in re.findall(r"poll_parks=(\d+)", r.stderr))
    print("%s: exit %d, %s, poll_parks=%d" % (label, r.returncode, m.group(0) if m else "no WORK",
                                               parks[label]))
    if not m or not m2:
        print(r.stdout + r.stderr)
        sys.exit(1)
    work[label] = (int(m.group(1)), int(m2.group(1)))
for i, what in enumerate(("2 guest ms polling the counter", "1 guest ms polling a device")):
    ratio = work["park"][i] / work["no-park"][i]
    print("work in %s: %d with parking, %d without (ratio %.3f)" %
          (what, work["park"][i], work["no-park"][i], ratio))
    if not 0.95 <= ratio <= 1.05:
        print("FAILED: parking changed the work done per guest second")
        sys.exit(1)
if parks["park"] == 0 or parks["no-park"] != 0:
    print("FAILED: the delay loops were not parked (or were with SOCEMU_NO_POLL_PARK=1)")
    sys.exit(1)
print("ok")
