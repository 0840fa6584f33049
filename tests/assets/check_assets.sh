#!/usr/bin/env bash
# usage: check_assets.sh card|reproducible SOURCE_DIR
#   card          the demo SD card: partition table, FAT boot files, ext4 root, initramfs contents
#   reproducible  rebuild all outputs into a temporary directory (offline, from the cached
#                 packages) and compare their sha256 with the cached outputs
# Exit 0 pass, 1 fail, 77 skip (assets not built).
set -euo pipefail
check=${1:?card|reproducible}
src=${2:?source dir}
cache=${SOCEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/socemu}
env_file=${SOCEMU_ASSETS_ENV:-$cache/assets.env}
if [[ ! -f $env_file ]]; then
    echo "SKIP: no guest assets ($env_file); build them with tools/guest-assets.sh"
    exit 77
fi
# shellcheck source=/dev/null
. "$env_file"
for f in "$SOCEMU_RPI3_SDCARD" "$SOCEMU_RPI3_INITRD" "$SOCEMU_RPI3_KERNEL" "$SOCEMU_RPI3_DTB"; do
    [[ -f $f ]] || { echo "SKIP: $f missing; run tools/guest-assets.sh"; exit 77; }
done
export MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null LC_ALL=C

fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
expect() { # DESCRIPTION COMMAND...: passes when the command succeeds
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
has_line() { grep -qxF -- "$2" <<<"$1"; }
hexat() { od -An -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case $check in
card)
    card=$SOCEMU_RPI3_SDCARD
    p1=$SOCEMU_RPI3_SDCARD_P1_OFFSET p2=$SOCEMU_RPI3_SDCARD_P2_OFFSET
    echo "card: $card"

    # Partition table
    table=$(sfdisk -d "$card")
    echo "$table" | sed 's/^/    /'
    expect "MBR label" grep -q '^label: dos' <<<"$table"
    expect "p1: FAT32 LBA (0x0c) at $p1, bootable" grep -Eq "1 : start= *$((p1 / 512)), .*type=c, bootable" <<<"$table"
    expect "p2: Linux (0x83) at $p2" grep -Eq "2 : start= *$((p2 / 512)), .*type=83" <<<"$table"
    expect "exactly two partitions" test "$(grep -c ' : start=' <<<"$table")" -eq 2

    # FAT boot partition
    fat=$(mdir -b -i "$card@@$p1" ::)
    mdir -i "$card@@$p1" :: | sed 's/^/    /'
    for f in config.txt cmdline.txt kernel8.img bcm2837-rpi-3-b.dtb bcm2837-rpi-3-b-plus.dtb initramfs.cpio.gz; do
        expect "FAT has $f" grep -qix "::/$f" <<<"$fat"
    done
    config=$(mtype -i "$card@@$p1" ::config.txt)
    for line in arm_64bit=1 enable_uart=1 upstream_kernel=1 kernel=kernel8.img \
        'initramfs initramfs.cpio.gz followkernel' device_tree=bcm2837-rpi-3-b.dtb; do
        expect "config.txt: $line" has_line "$config" "$line"
    done
    cmdline=$(mtype -i "$card@@$p1" ::cmdline.txt)
    expect "cmdline.txt is one line" test "$(wc -l <<<"$cmdline")" -eq 1
    expect "cmdline.txt: console=ttyS1,115200 and rdinit=/init" grep -q 'console=ttyS1,115200.*rdinit=/init' <<<"$cmdline"
    expect "cmdline.txt: root=/dev/mmcblk0p2 rootfstype=ext4 rootwait rw" \
        grep -Eq '(^| )root=/dev/mmcblk0p2 rootfstype=ext4 rootwait rw( |$)' <<<"$cmdline"
    mcopy -n -i "$card@@$p1" ::kernel8.img ::initramfs.cpio.gz ::bcm2837-rpi-3-b.dtb "$tmp/"
    expect "kernel8.img is the kernel Image" cmp "$tmp/kernel8.img" "$SOCEMU_RPI3_KERNEL"
    expect "initramfs.cpio.gz is the initramfs" cmp "$tmp/initramfs.cpio.gz" "$SOCEMU_RPI3_INITRD"
    expect "the DTB is the DTB" cmp "$tmp/bcm2837-rpi-3-b.dtb" "$SOCEMU_RPI3_DTB"
    expect "kernel8.img: arm64 Image magic ARM\\x64 at 0x38" test "$(hexat "$SOCEMU_RPI3_KERNEL" 0x38 4)" = 41524d64
    expect "DTB magic d00dfeed" test "$(hexat "$SOCEMU_RPI3_DTB" 0 4)" = d00dfeed

    # ext4 root partition
    expect "ext4 root: e2fsck clean" e2fsck -fn "$card?offset=$p2"
    for f in /init /bin/busybox /usr/bin/crun /containers/hello/config.json /etc/socemu-release; do
        expect "ext4 has $f" debugfs -R "stat $f" "$card?offset=$p2"
    done
    debugfs -R 'cat /sbin/init' "$card?offset=$p2" >"$tmp/stage2" 2>/dev/null || true
    expect "ext4 /sbin/init is the stage-two script (tools/assets/rpi3/rootfs-init)" \
        cmp "$tmp/stage2" "$src/tools/assets/rpi3/rootfs-init"
    expect "ext4 /dev/console is char 5,1" grep -q 'Device major/minor number: 05:01' \
        <<<"$(debugfs -R 'stat /dev/console' "$card?offset=$p2" 2>/dev/null)"

    # initramfs
    expect "initramfs: gzip stream OK" gzip -t "$SOCEMU_RPI3_INITRD"
    list=$(gzip -dc "$SOCEMU_RPI3_INITRD" | cpio -t --quiet)
    echo "initramfs: $(wc -l <<<"$list") entries, $(gzip -dc "$SOCEMU_RPI3_INITRD" | wc -c) bytes uncompressed"
    for f in init bin/busybox bin/sh sbin/poweroff usr/bin/crun lib/ld-linux-aarch64.so.1 \
        lib/aarch64-linux-gnu/libc.so.6 usr/lib/aarch64-linux-gnu/libseccomp.so.2 \
        usr/lib/aarch64-linux-gnu/libsystemd.so.0 usr/lib/aarch64-linux-gnu/libyajl.so.2 \
        dev/console containers/hello/config.json containers/hello/rootfs/bin/sh \
        etc/socemu/modules.load "lib/modules/$SOCEMU_RPI3_KVER/modules.dep"; do
        expect "initramfs has $f" has_line "$list" "$f"
    done
    (cd "$tmp" && gzip -dc "$SOCEMU_RPI3_INITRD" | cpio -id --quiet init sbin/init etc/socemu/modules.load containers/hello/config.json)
    mods=$(cat "$tmp/etc/socemu/modules.load")
    for m in bcm2835 sdhci-iproc ext4 jbd2 mbcache crc16 crc32c_generic vfat fat nls_cp437 nls_ascii \
        bcm2835_wdt bcm2835-rng bcm2835_thermal reset-raspberrypi overlay; do
        path=$(grep -E "/$m\.ko$" <<<"$mods" || echo "(not in modules.load)")
        expect "module $m listed and in the initramfs" has_line "$list" "lib/modules/$SOCEMU_RPI3_KVER/$path"
    done
    expect "ext4 loads after jbd2" test "$(grep -n '/jbd2.ko$' <<<"$mods" | cut -d: -f1)" -lt "$(grep -n '/ext4.ko$' <<<"$mods" | cut -d: -f1)"
    expect "init switch_roots to root=" grep -q 'exec switch_root /root' "$tmp/init"
    expect "sbin/init is the stage-two script" cmp "$tmp/sbin/init" "$src/tools/assets/rpi3/rootfs-init"
    expect "stage two uses crun run --no-pivot on the initramfs" grep -q 'crun .*run --no-pivot' "$tmp/sbin/init"
    expect "stage two prints the container markers" grep -q 'marker CONTAINER-OK' "$tmp/sbin/init"
    expect "config.json is JSON running /bin/sh" python3 -c "
import json, sys
c = json.load(open('$tmp/containers/hello/config.json'))
sys.exit(c['process']['args'][0] != '/bin/sh' or c['root']['path'] != 'rootfs')"
    ;;
reproducible)
    # The cached outputs came from the last build; build them again, from scratch, elsewhere.
    out=$tmp/out
    SOCEMU_CACHE=$SOCEMU_ASSETS_DIR "$src/tools/guest-assets.sh" --offline --force --quiet --out "$out" >/dev/null
    echo "rebuilt into $out; sha256 (cached vs rebuilt):"
    while read -r sum file; do
        new=$(sha256sum "$out/$file" | cut -d' ' -f1)
        echo "    $sum $new  $file"
        expect "$file is byte-identical" test "$sum" = "$new"
    done <"$SOCEMU_ASSETS_DIR/SHA256SUMS"
    # And the cached outputs still are what SHA256SUMS says (nothing modified them).
    expect "cached outputs match SHA256SUMS" bash -c "cd '$SOCEMU_ASSETS_DIR' && sha256sum --quiet -c SHA256SUMS"
    # A plain second run finds everything up to date and downloads nothing.
    msg=$(SOCEMU_CACHE=$SOCEMU_ASSETS_DIR "$src/tools/guest-assets.sh" --offline 2>&1 >/dev/null)
    expect "a second run hits the stamp" grep -q 'up to date' <<<"$msg"
    ;;
*)
    echo "unknown check $check"
    exit 2
    ;;
esac

if ((fails)); then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
