"""--exec on the real guest: the rpi3 kernel boots to the busybox initramfs shell
(socemu.shell=1), socemu waits for its prompt, runs the commands, copies their output to stdout
and ends the run: exit 0 when all exited 0; exit 1 naming the first that did not.

  exec_boot_test.py --socemu build/tools/cli/socemu --work DIR
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "boot"))
import bootlib  # noqa: E402

args = bootlib.parse_args(__doc__)
env = bootlib.load_assets(files=("SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD"))
t0 = bootlib.start(args.work)
boot = ["--board", "rpi3", "--kernel", env["SOCEMU_RPI3_KERNEL"], "--dtb", env["SOCEMU_RPI3_DTB"],
        "--initrd", env["SOCEMU_RPI3_INITRD"], "--append",
        "console=ttyS1,115200 earlycon rdinit=/init socemu.shell=1",
        "--timeout", str(bootlib.HOST_TIMEOUT)]

run = bootlib.socemu(boot + ["--exec", "uname -m", "--exec", "echo \"it's $((6 * 7))\"",
                             "--exec", "grep -c ^processor /proc/cpuinfo"], args.work, "pass")
if run.rc != 0:
    bootlib.fail("three good commands: exit %d, stderr %r" % (run.rc, run.err))
if run.out.replace("\r", "") != "aarch64\nit's 42\n4\n":
    bootlib.fail("stdout is not exactly the commands' output: %r" % run.out)
if "passed: 3 --exec commands exited 0" not in run.err:
    bootlib.fail("summary: %r" % run.err)

junit = os.path.join(args.work, "fail.xml")
run = bootlib.socemu(boot + ["--exec", "true", "--exec", "ls /nonexistent", "--exec",
                             "echo still-run", "--junit", junit], args.work, "fail")
if run.rc != 1:
    bootlib.fail("a failing command: exit %d, not 1 (stderr %r)" % (run.rc, run.err))
if "guest failed: --exec 'ls /nonexistent' exited 1" not in run.err:
    bootlib.fail("the failing command is not named: %r" % run.err)
if "still-run" not in run.out:
    bootlib.fail("the commands after a failure did not run: %r" % run.out)
import xml.etree.ElementTree as ET  # noqa: E402
cases = ET.parse(junit).getroot().findall("testsuite/testcase") if os.path.exists(junit) else []
if [(c.get("name"), c.find("failure") is not None) for c in cases] != [
        ("--exec 'true'", False), ("--exec 'ls /nonexistent'", True),
        ("--exec 'echo still-run'", False)]:
    bootlib.fail("--junit: one testcase per --exec, the second failing: %r" %
                 [(c.get("name"), c.find("failure") is not None) for c in cases])
elif "No such file or directory" not in (cases[1].find("failure").text or ""):
    bootlib.fail("--junit: the failing command's output is not in its failure")
sys.exit(bootlib.finish("exec_boot", t0, args.work))
