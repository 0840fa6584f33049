"""--junit and --result-json on the fake machine: one testcase per --expect/--fail (or the run),
failures carrying the reason and the last console lines, the console as system-out, the same
facts in the JSON; the failure report on stderr for a failed or timed-out run (and not for a
passed one, nor with -q); a results file that cannot be written is an emulator fault (exit 4).

  results_test.py SOCEMU_FAKE WORKDIR
"""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_checks import check, finish, script, start  # noqa: E402

fake, work = sys.argv[1], sys.argv[2]
start(work)


def run(name, kernel, extra):
    junit = os.path.join(work, name + ".xml")
    rjson = os.path.join(work, name + ".json")
    p = subprocess.run([fake, "--board", "rpi3", "--kernel", kernel, "--junit", junit,
                        "--result-json", rjson] + extra, capture_output=True, text=True,
                       timeout=60)
    suite = ET.parse(junit).getroot() if os.path.exists(junit) else None
    data = json.load(open(rjson)) if os.path.exists(rjson) else None
    return p, suite, data


lines = "".join("out 1 line %d <&>\n" % i for i in range(30))
boot = script("boot.fake", lines + "out 1 login: ok\nspin\n")
p, root, data = run("pass", boot, ["--expect", "login: ok", "--expect", "never", "--fail",
                                   "Oops"])
check("passed run exits 0", p.returncode == 0, p.stderr)
suite = root.find("testsuite")
check("testsuites/testsuite counts", root.get("tests") == "3" and suite.get("failures") == "0"
      and suite.get("skipped") == "1", ET.tostring(root)[:300])
cases = suite.findall("testcase")
check("one testcase per --expect and --fail",
      [c.get("name") for c in cases] == ["--expect 'login: ok'", "--expect 'never'",
                                         "--fail 'Oops'"])
check("the other --expect is skipped", cases[1].find("skipped") is not None)
out = suite.find("system-out").text
check("system-out is the console, escaped and read back", "line 7 <&>" in out and
      "login: ok" in out, out[:200])
check("no failure report for a passed run", "failure report" not in p.stderr, p.stderr)
check("JSON has the same facts", data and data["exit_code"] == 0 and data["outcome"] == "passed"
      and [c["result"] for c in data["cases"]] == ["passed", "skipped", "passed"], str(data)[:300])

bad = script("fail.fake", lines + "out 1 Oops: something\nspin\n")
p, root, data = run("fail", bad, ["--expect", "login:", "--fail", "Oops"])
check("--fail run exits 1", p.returncode == 1, p.stderr)
suite = root.find("testsuite")
cases = suite.findall("testcase")
f = cases[1].find("failure")
check("--fail case fails with the line", f is not None and "Oops: something" in f.get("message"),
      ET.tostring(cases[1])[:300])
check("the failure text is the last 20 console lines",
      f is not None and f.text.count("\n") == 20 and "line 29" in f.text and "line 10" not in f.text,
      f.text if f is not None else "")
check("failure report on stderr", "---- failure report ----" in p.stderr and
      "| Oops: something" in p.stderr and "waiting for --expect 'login:'" in p.stderr, p.stderr)
check("report's console lines: the last 20",
      len(re.findall(r"^  \| ", p.stderr, re.M)) == 20, p.stderr)
check("JSON: failed, the --fail case", data["outcome"] == "guest-failed" and
      data["cases"][1]["result"] == "failed" and data["failures"] == 2, str(data)[:400])

p, root, data = run("timeout", boot, ["--expect", "never seen", "--timeout", "0.5"])
check("timeout exits 3", p.returncode == 3, p.stderr)
check("timeout: the report", "failure report" in p.stderr)
check("timeout: the --expect case fails, typed timed-out",
      root.find("testsuite/testcase/failure").get("type") == "timed-out")

panic = script("panic.fake", "out 1 hello\npanic the watchdog fired\n")
p, root, data = run("panic", panic, [])
check("no patterns: one 'run' case failing", [c.get("name") for c in
                                              root.findall("testsuite/testcase")] == ["run"] and
      root.find("testsuite/testcase/failure") is not None, ET.tostring(root)[:300])
check("no warnings: said so", "warnings in the run (unmodelled registers, devices...): 0\n"
      in p.stderr, p.stderr)
warned = script("warned.fake", "warn spi0: register 0x40 (read) not modelled\nout 1 hi\n"
                "panic stuck\n")
p, root, data = run("warned", warned, [])
check("the report quotes the warnings", "warnings in the run (unmodelled registers, devices...): "
      "1; the last:\n  ! spi0: register 0x40 (read) not modelled\n" in p.stderr, p.stderr)
p, root, data = run("quiet", panic, ["-q"])
check("-q: no failure report", "failure report" not in p.stderr, p.stderr)

p = subprocess.run([fake, "--board", "rpi3", "--kernel", boot, "--expect", "login",
                    "--junit", "/nonexistent-dir/r.xml"], capture_output=True, text=True,
                   timeout=60)
check("an unwritable --junit is an emulator fault", p.returncode == 4 and
      "cannot write the results: /nonexistent-dir/r.xml" in p.stderr, p.stderr)

# The progress line: on a terminal stderr (stdout not a terminal), rewritten in place and erased
# before the summary; never with -q, never when stderr is not a terminal.
import pty  # noqa: E402


def on_pty(extra):
    master, slave = pty.openpty()
    p = subprocess.Popen([fake, "--board", "rpi3", "--kernel", slow] + extra,
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    p.wait(60)
    os.close(master)
    return data.decode(errors="replace")


slow = script("slow.fake", "out 1 hello\nspin\n")
text = on_pty(["--timeout", "1.6", "--expect", "never"])
check("progress line on a terminal", re.search(
    r"\r\x1b\[Ksocemu: [\d.]+ s guest time, [\d.]+ s host, [\d.]+M instructions, 1 console lines",
    text) is not None, repr(text[:300]))
check("progress line erased before the summary", "\r\x1b[Ksocemu: timed out" in text,
      repr(text[-400:]))
text = on_pty(["--timeout", "1.2", "--expect", "never", "-q"])
check("-q: no progress line", "guest time," not in text, repr(text[:200]))
p = subprocess.run([fake, "--board", "rpi3", "--kernel", slow, "--timeout", "1.2"],
                   capture_output=True, text=True, timeout=60)
check("no progress line when stderr is not a terminal", "\x1b[K" not in p.stderr, p.stderr)

finish()
