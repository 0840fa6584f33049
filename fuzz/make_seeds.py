#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into OUT/<target>/ (fuzz/README.md).

Seeds are made at build time from files already in the repository (board files, the overlay
test sources) and, when `. assets.env` has named them (SOCEMU_ASSETS_ENV or the exported
variables), from the cached guest assets; nothing binary is committed. Tools that are missing
(dtc, mkfs.fat, mtools, zstd) only mean fewer seeds. Deterministic: same tree, same seeds.
"""
import gzip
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="socemu-seeds-")
SEP = b"\n%%\n"  # fuzz_util.h FUZZ_SEPARATOR
MISSING = set()


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def have(tool):
    if shutil.which(tool):
        return True
    MISSING.add(tool)
    return False


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, **kw).stdout


def read(path):
    with open(path, "rb") as f:
        return f.read()


def gz(data):
    return gzip.compress(data, mtime=0)


def assets():
    env = dict(os.environ)
    path = os.environ.get("SOCEMU_ASSETS_ENV", os.path.expanduser("~/.cache/socemu/assets.env"))
    if os.path.exists(path):
        for line in open(path):
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                env.setdefault(k, v.strip("'\""))
    return env


# --- device trees -----------------------------------------------------------------------------
OVL = os.path.join(SRC, "tests/loader/overlays")
RPI_DTS = b"""/dts-v1/;
/ {
    compatible = "raspberrypi,3-model-b", "brcm,bcm2837";
    #address-cells = <1>; #size-cells = <1>;
    aliases { ethernet0 = "/soc/usb/eth"; serial0 = &uart0; };
    chosen { bootargs = "x"; };
    memory@0 { device_type = "memory"; reg = <0 0>; };
    soc { #address-cells = <1>; #size-cells = <1>;
        uart0: serial@7e201000 { compatible = "arm,pl011"; reg = <0x7e201000 0x200>; };
        usb { eth { local-mac-address = [00 00 00 00 00 00]; }; };
    };
    __overrides__ { uart = <&uart0>, "status"; };
};
"""


def dtc(src_path=None, text=None, symbols=True):
    args = ["dtc", "-q", "-I", "dts", "-O", "dtb"]
    if symbols:
        args.append("-@")
    if src_path:
        return run(*args, src_path)
    return run(*args, "-", input=text)


dtbs = {}
if have("dtc"):
    dtbs["base"] = dtc(os.path.join(OVL, "base.dts"))
    dtbs["base-nosym"] = dtc(os.path.join(OVL, "base.dts"), symbols=False)
    dtbs["rpi"] = dtc(text=RPI_DTS)
    overlays = {}
    for name in sorted(os.listdir(OVL)):
        if name.endswith(".dts") and name != "base.dts":
            overlays[name[:-4]] = dtc(os.path.join(OVL, name))
    for name, blob in dtbs.items():
        put("dtb", name + ".dtb", blob)
    directives = [
        b"dtoverlay=a,string=world,enable=on,byte_1=0x12,u16_1=0x1234,u32_0=7,"
        b"u64_1=0x0102030405060708,newint=5,bool1=on,bool2=yes,mac=b8:27:eb:01:02:03,"
        b"addr=0x51,literal,cell,letter=b,bus=0,swap,only3=off,base_baud=400000\n"
        b"dtparam=audio=on\ndtparam=act_led_trigger=heartbeat\n"
        b"dtparam=rename=renamed-node,nosuch=1\ndtoverlay=\n"
        b"dtparam=krnbt=on,extra_args=quiet,act_led_activelow=on",
        b"dtparam=mixed=off,audio=on\ndtparam=i2c_arm=yes,i2c_arm_baudrate=0x61a80\n"
        b"dtparam=krnbt=nonsense",
        b"dtoverlay=xmissing\ndtparam=speed=1\ndtoverlay=yerror\ndtoverlay=a\n"
        b"dtoverlay=b,bus=7,u32_0=many\ndtoverlay=a,speed=0x200",
        b"dtoverlay=a\ndtoverlay=b,enable=on,label=from-config\ndtoverlay=a",
    ]
    forms = overlays.get("forms", b"")
    for name, blob in sorted(overlays.items()):
        for i, d in enumerate(directives):
            other = overlays["exporter"] if name == "importer" else forms
            put("dt_overlay", "%s-%d" % (name, i), dtbs["base"] + SEP + blob + SEP + d + SEP + other)
    put("dt_overlay", "nosym", dtbs["base-nosym"] + SEP + overlays.get("alias-user", b"") + SEP
        + directives[3] + SEP + overlays.get("by-path", b""))

# --- config.txt and cmdline.txt ---------------------------------------------------------------
CONFIGS = [
    b"# a Pi 3 card\narm_64bit=1\nkernel=vmlinuz\ninitramfs initrd.img followkernel\n"
    b"enable_uart=1\ngpu_mem=64\ndtoverlay=disable-bt\ndtparam=audio=on\n",
    b"[pi3]\nkernel=kernel8.img\n[pi4]\nkernel=kernel8-4.img\n[all]\nos_prefix=boot/\n"
    b"upstream_kernel=1\ndevice_tree=bcm2837-rpi-3-b.dtb\ndevice_tree_address=0x3000000\n",
    b"include a.txt\n[0xc0ffee42]\ntotal_mem=512\n[board-type=0x08]\ngpu_mem_1024=128\n"
    b"[none]\nkernel=never\n[pi3+]\nkernel_address=0x80000\n" + SEP + b"cmdline=cmd.txt\n"
    b"include b.txt\n" + SEP + b"framebuffer_width=640\nframebuffer_height=480\n"
    b"framebuffer_depth=16\noverlay_prefix=ovl/\n",
    b"include x-missing.txt\n",
    b"include yerror.txt\n",
    b"include c.txt\n" + SEP + b"include c.txt\n",
    b"initramfs a.img,b.img 0x2000000\nramfsfile=x\nramfsaddr=0x1000000\ngpu_mem_256=16\n"
    b"gpu_mem_512=32\nkernel_address=zz\n",
    b"\xef\xbb\xbfarm_64bit=0\r\nkernel=zImage\r\n[pi02]\r\n[cm4]\r\n[pi400]\r\n[pi0]\r\n[pi1]\r\n"
    b"[pi2]\r\n[pi5]\r\nfoo=bar\r\n  spaced = 1 \r\n",
]
for i, c in enumerate(CONFIGS):
    put("config", "config-%d" % i, c)
for i, c in enumerate([
        b"console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 rootwait\n",
        b"\xef\xbb\xbfquiet splash \t\r\nsecond line\n", b"", b"   \n", b"a\x00b"]):
    put("cmdline", "cmdline-%d" % i, c)

# --- ELF and kernel images --------------------------------------------------------------------


def elf64(machine=183, entry=0x80000):
    code = b"\x00\x00\x80\xd2" * 16  # mov x0, #0
    ph_off = 64
    data_off = 0x100
    eh = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9, 2, machine, 1, entry,
                     ph_off, 0, 0, 64, 56, 2, 64, 0, 0)
    ph1 = struct.pack("<IIQQQQQQ", 1, 5, data_off, entry, entry, len(code), len(code), 0x1000)
    ph2 = struct.pack("<IIQQQQQQ", 1, 6, data_off, 0x90000, 0x90000, 8, 0x1000, 0x1000)
    out = eh + ph1 + ph2
    return out + b"\0" * (data_off - len(out)) + code


def elf32(machine=40, entry=0x8000):
    code = b"\x00\x00\xa0\xe3" * 16  # mov r0, #0
    eh = struct.pack("<16sHHIIIIIHHHHHH", b"\x7fELF\x01\x01\x01" + b"\0" * 9, 2, machine, 1, entry,
                     52, 0, 0x05000000, 52, 32, 1, 40, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, 0x80, entry, entry, len(code), len(code) + 64, 5, 0x1000)
    out = eh + ph
    return out + b"\0" * (0x80 - len(out)) + code


def arm64_image(text_offset=0, image_size=0x10000, flags=0xa, pe=True, size=0x1000):
    hdr = bytearray(size)
    hdr[0:8] = b"MZ\x00\x91\x00\x00\x00\x14" if pe else b"\x00\x00\x00\x14\x00\x00\x00\x00"
    struct.pack_into("<QQQ", hdr, 8, text_offset, image_size, flags)
    hdr[0x38:0x3c] = b"ARM\x64"
    if pe:
        struct.pack_into("<I", hdr, 0x3c, 0x40)
        hdr[0x40:0x44] = b"PE\0\0"
        struct.pack_into("<HH", hdr, 0x46, 1, 0)  # one section, no optional header
        struct.pack_into("<II", hdr, 0x40 + 24 + 16, 0x200, 0x200)  # SizeOf, PointerTo RawData
    return bytes(hdr)


def zimage(size=0x800):
    z = bytearray(size)
    z[0:4] = b"\x00\x00\xa0\xe1"
    struct.pack_into("<III", z, 0x24, 0x016F2818, 0, size)
    return bytes(z)


put("elf", "aarch64.elf", elf64())
put("elf", "arm.elf", elf32())
put("elf", "aarch64-high.elf", elf64(entry=0x20000000))
put("elf", "x86.elf", elf64(machine=62))
img = arm64_image()
for name, data in [("image", img), ("image-old", arm64_image(image_size=0, pe=False)),
                   ("image.gz", gz(img)), ("image.xz", lzma.compress(img)),
                   ("zimage", zimage()), ("gz-members", gz(img[:100]) + gz(img[100:]) + b"\0" * 8)]:
    put("kernel", name, data)

# --- compressed streams -----------------------------------------------------------------------
payload = b"\0" * 8192 + bytes(range(256)) * 8 + b"\0" * 5000 + b"socemu" * 100
streams = {"plain.gz": gz(payload), "two.gz": gz(payload[:3000]) + gz(payload[3000:]),
           "plain.xz": lzma.compress(payload), "two.xz": lzma.compress(b"a") + lzma.compress(payload),
           "empty.gz": gz(b""), "bad.gz": gz(payload)[:-10]}
if have("zstd"):
    streams["plain.zst"] = run("zstd", "-q", "-c", "-19", input=payload)
    streams["checksum.zst"] = run("zstd", "-q", "-c", "--check", input=payload[:999])
for name, data in streams.items():
    put("inflate", name, data)

# --- MBR, FAT and whole cards -----------------------------------------------------------------


def mbr(parts, size):
    sector = bytearray(512)
    for i, (boot, ptype, start, count) in enumerate(parts):
        struct.pack_into("<B3sB3sII", sector, 0x1BE + 16 * i, boot, b"\0\0\0", ptype, b"\0\0\0",
                         start, count)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector) + b"\0" * (size - 512)


put("mbr", "two", mbr([(0x80, 0x0C, 8, 56), (0, 0x83, 64, 64)], 128 * 512))
put("mbr", "four", mbr([(0, 0x0E, 1, 1), (0, 0x01, 2, 2), (0, 0x06, 4, 4), (0, 0x0B, 8, 8)], 8192))
put("mbr", "gpt", mbr([(0, 0xEE, 1, 100)], 1024))


def trim(data, keep=0):
    """The image up to its last non-zero 512-byte sector (at least keep bytes): reads past the
    end of a fuzz_fat input are zeros."""
    end = len(data)
    while end > keep and not any(data[end - 512:end]):
        end -= 512
    return data[:end]


def fat_image(name, kib, fat_args, files, dirs=()):
    path = os.path.join(TMP, name)
    if os.path.exists(path):
        os.unlink(path)
    run("mkfs.fat", "-C", "-i", "12345678", "--invariant", *fat_args, path, str(kib),
        stderr=subprocess.DEVNULL)
    for d in dirs:
        run("mmd", "-i", path, "::" + d)
    for dest, data in files:
        src = os.path.join(TMP, "file")
        with open(src, "wb") as f:
            f.write(data)
        run("mcopy", "-i", path, src, "::" + dest)
    return read(path)


if have("mkfs.fat") and have("mcopy") and have("mmd") and "rpi" in dtbs:
    rpi = dtbs["rpi"]
    boot = [("config.txt", CONFIGS[0].replace(b"vmlinuz", b"kernel8.img")
             .replace(b"initrd.img", b"initrd.img")),
            ("cmdline.txt", b"console=ttyS1,115200 root=/dev/mmcblk0p2 rootwait\n"),
            ("kernel8.img", arm64_image()), ("bcm2710-rpi-3-b.dtb", rpi),
            ("initrd.img", b"070701" + b"0" * 100), ("overlays/disable-bt.dtbo",
                                                     overlays.get("forms", b""))]
    small = fat_image("f12", 256, [], boot + [("A long file name.txt", b"hello" * 300)],
                      dirs=["overlays", "sub", "sub/deeper"])
    put("fat", "fat12", trim(small))
    f16 = fat_image("f16", 4200, ["-F", "16", "-s", "1"], [("config.txt", b"kernel=x\n")],
                    dirs=["overlays"])
    put("fat", "fat16", trim(f16))
    f32 = fat_image("f32", 34000, ["-F", "32", "-s", "1", "-f", "1", "-R", "2"],
                    [("cmdline.txt", b"quiet\n")], dirs=["a"])
    put("fat", "fat32", trim(f32))
    # Cards: the MBR, then the FAT12 partition at sector 8.
    cards = {
        "card": boot,
        "card-gz-kernel": [(n, gz(d) if n == "kernel8.img" else d) for n, d in boot],
        "card-zimage": [("config.txt", b"arm_64bit=0\nkernel=zImage\ninclude extra.txt\n"),
                        ("extra.txt", b"[pi3]\ninitramfs initrd.img\n"), ("zImage", zimage()),
                        ("initrd.img", b"x" * 64), ("bcm2710-rpi-3-b.dtb", rpi),
                        ("cmdline.txt", b"console=ttyAMA0\n")],
        "card-elf": [("config.txt", b"kernel=k.elf\ndevice_tree=rpi.dtb\ndtparam=uart=on\n"),
                     ("k.elf", elf64()), ("rpi.dtb", rpi)],
    }
    for name, files in sorted(cards.items()):
        dirs = ["overlays"] if any(n.startswith("overlays/") for n, _ in files) else []
        vol = fat_image(name, 100, [], files, dirs=dirs)
        card = mbr([(0x80, 0x0C, 8, len(vol) // 512)], 8 * 512) + vol
        put("firmware", name, card)
        if name == "card":
            put("firmware", "card.gz", gz(card))

# --- board descriptors ------------------------------------------------------------------------
for d in ["boards", "tests/boards/good", "tests/boards/bad"]:
    for name in sorted(os.listdir(os.path.join(SRC, d))):
        if not name.endswith((".board", ".inc")):
            continue
        data = read(os.path.join(SRC, d, name))
        put("board", d.replace("/", "_") + "_" + name, data)
put("board", "with-includes", b"include = a.board\n[board]\nname = x\n" + SEP
    + read(os.path.join(SRC, "boards/rpi3.board")) + SEP + b"[memory ram]\nbase = 0\n")

# --- cached guest assets (optional) -----------------------------------------------------------
env = assets()
for var, target, limit in [("SOCEMU_RPI3_DTB", "dtb", 1 << 20),
                           ("SOCEMU_RPI3_DTB_BPLUS", "dtb", 1 << 20),
                           ("SOCEMU_ARMMP_DTB", "dtb", 1 << 20),
                           ("SOCEMU_RPI3_KERNEL", "kernel", 0x1000),
                           ("SOCEMU_ARMMP_KERNEL", "kernel", 0x1000),
                           ("SOCEMU_ARMMP_BUSYBOX", "elf", 64 << 10)]:
    path = env.get(var)
    if path and os.path.isfile(path):
        put(target, "asset-" + os.path.basename(path), read(path)[:limit])
card, off = env.get("SOCEMU_RPI3_SDCARD"), env.get("SOCEMU_RPI3_SDCARD_P1_OFFSET")
if card and off and os.path.isfile(card) and shutil.which("mcopy"):
    for name, target in [("config.txt", "config"), ("cmdline.txt", "cmdline")]:
        try:
            data = run("mcopy", "-i", "%s@@%s" % (card, off), "::" + name, "-",
                       stderr=subprocess.DEVNULL)
            put(target, "asset-" + name, data)
        except subprocess.CalledProcessError:
            pass

shutil.rmtree(TMP)
if MISSING:
    print("make_seeds: missing %s: fewer seeds" % ", ".join(sorted(MISSING)), file=sys.stderr)
with open(os.path.join(OUT, "stamp"), "w") as f:
    f.write("ok\n")
