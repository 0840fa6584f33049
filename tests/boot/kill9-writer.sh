#!/bin/sh
# init= of the boot.rpi3.sd_kill9_write test (tests/boot/sdimage_test.py copies it onto a copy of
# the demo card's ext4 root as /sbin/socemu-kill9-writer): writes to both partitions of the card
# without end, so socemu can be killed with SIGKILL mid-write. Each round rewrites files of random
# data on the ext4 root (data, metadata: create, rename, unlink, a directory) and on the FAT boot
# partition (mounted read-write), syncs every other round, and prints SOCEMU-KILL9-WRITING=<n>.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# stage one (the initramfs's /init) moved /dev, /proc and /sys here before switch_root
mkdir -p /run/bootfs
if ! mount -t vfat -o rw /dev/mmcblk0p1 /run/bootfs; then
    echo "SOCEMU-KILL9-FAILED=cannot mount /dev/mmcblk0p1 read-write"
    exec sleep 100000
fi
dir=/var/lib/socemu/kill9
mkdir -p "$dir" /run/bootfs/kill9
echo "SOCEMU-KILL9-START"
i=0
while :; do
    i=$((i + 1))
    dd if=/dev/urandom of="$dir/new" bs=4k count=$((16 + i % 48)) 2>/dev/null
    mv "$dir/new" "$dir/data-$((i % 6))"
    mkdir -p "$dir/d$((i % 4))"
    echo "round $i" >"$dir/d$((i % 4))/f$i"
    rm -f "$dir/d$(((i + 2) % 4))"/*
    dd if=/dev/urandom of="/run/bootfs/kill9/f$((i % 5)).bin" bs=4k count=$((4 + i % 20)) 2>/dev/null
    echo "round $i" >"/run/bootfs/kill9/round.txt"
    [ $((i % 2)) = 0 ] && sync
    echo "SOCEMU-KILL9-WRITING=$i"
done
