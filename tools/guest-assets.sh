#!/usr/bin/env bash
# Builds the guest assets socemu's tests and benchmarks boot, from Debian bookworm packages only
# (nothing is compiled): a Raspberry Pi 3 kernel, DTBs, a busybox + crun initramfs and a
# bootable SD card image; the armhf (BeagleBone) kernel, DTB, busybox and U-Boot for later.
#
# usage: tools/guest-assets.sh [--update] [--offline] [--force] [--out DIR] [--quiet] [--docker]
#   --update    re-resolve package versions against the mirror (default: reuse packages.lock
#               when every package it names is already downloaded, so no network is used)
#   --offline   never touch the network; fail if a needed package is not in the cache
#   --force     rebuild the outputs even when the stamp says they are up to date
#   --out DIR   write the outputs (not the downloads) to DIR instead of the cache; used by the
#               reproducibility test, which builds a second copy and compares bytes
#   --quiet     print only the final paths
#   --docker    also build rpi3-docker/card.img: the demo card's boot partition plus an ext4 root
#               with Debian's docker.io, containerd, runc, iptables and apparmor (~70 MB of
#               packages, a 1 GiB sparse image; see build_docker_card below)
#
# Cache layout (${SOCEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/socemu}, outside the repo):
#   apt/<arch>/           private apt state (sources, lists); the host's apt state is untouched
#   debs/<arch>/<pkg>_<version>_<arch>.deb   downloads, keyed by version; never fetched twice
#   extract/<arch>/<pkg>_<version>/          dpkg-deb -x of each .deb (no install)
#   packages.lock         "<arch> <package> <version>" of everything used
#   rpi3/ armmp/          outputs; assets.env names them all; SHA256SUMS; stamp
#   rpi3-docker.lock, rpi3-docker/   --docker: its packages' versions; card.img, SHA256SUMS, stamp
#
# Every output is byte-for-byte reproducible: fixed SOURCE_DATE_EPOCH for all timestamps, files
# owned by 0:0 in the cpio, sorted archive order, gzip -n, fixed MBR id, FAT volume id, ext4
# UUID and hash seed, E2FSPROGS_FAKE_TIME.
set -euo pipefail
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

umask 022
export LC_ALL=C TZ=UTC
# All timestamps in the outputs (2024-01-01T00:00:00Z). Fixed here, not taken from the
# environment, so a stray SOURCE_DATE_EPOCH cannot change the bytes.
EPOCH=1704067200
export SOURCE_DATE_EPOCH=$EPOCH E2FSPROGS_FAKE_TIME=$EPOCH
export MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null

ASSETS=$SOCEMU_ROOT/tools/assets
SUITE=bookworm

# Card layout (512-byte sectors): MBR, FAT32 boot partition at 4 MiB, ext4 root after it.
CARD_MIB=256
P1_START=8192     # 4 MiB
P1_SECTORS=131072 # 64 MiB
P2_START=$((P1_START + P1_SECTORS))
P2_SECTORS=$((CARD_MIB * 2048 - P2_START))
CARD_DISK_ID=0x5ec0e301
FAT_VOLUME_ID=5EC0B007
EXT4_UUID=5ec0e3a5-0000-4000-8000-000000000001
EXT4_HASH_SEED=5ec0e3a5-0000-4000-8000-000000000002

update=0 offline=0 force=0 quiet=0 out=
docker=0
while (($#)); do
    case $1 in
        --update) update=1 ;;
        --offline) offline=1 ;;
        --force) force=1 ;;
        --quiet) quiet=1 ;;
        --docker) docker=1 ;;
        --out) out=${2:?--out needs a directory}; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done
((update && offline)) && die "--update and --offline exclude each other"
OUT=${out:-$SOCEMU_CACHE}
say() { ((quiet)) || log "$@"; }

for tool in apt-get apt-cache dpkg-deb sfdisk mkfs.vfat mcopy mdir mke2fs debugfs gzip cpio \
    python3 qemu-aarch64-static readelf sha256sum flock; do
    command -v "$tool" >/dev/null || die "$tool not found: run tools/setup.sh (installs tools/deps.txt)"
done

mkdir -p "$SOCEMU_CACHE" "$OUT"
# One run at a time per cache (downloads, extraction and outputs are shared).
exec 9>"$SOCEMU_CACHE/.lock"
flock 9

LOCK=$SOCEMU_CACHE/packages.lock

# ---------------------------------------------------------------------------------------------
# Private apt state per architecture
# ---------------------------------------------------------------------------------------------

# The host's Debian bookworm sources as one-line entries "deb [signed-by=K] URI SUITE main",
# read from its apt configuration at run time (deb822 *.sources and one-line *.list files), so
# the mirror the machine is set up for is reused without naming it here.
host_sources() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        awk -v suite="$SUITE" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && enabled != "no")
                    for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
                        if (s[j] ~ "^" suite "(-|$)")
                            printf "deb %s%s %s main\n", (key != "" ? "[signed-by=" key "] " : ""), u[i], s[j]
                types = ""; key = ""; enabled = ""; nu = 0; ns = 0
            }
            /^[[:space:]]*#/ { next }
            /^[[:space:]]*$/ { flush(); next }
            {
                field = tolower($1); sub(/:$/, "", field); $1 = ""; sub(/^ +/, "")
                if (field == "types") types = $0
                else if (field == "uris") nu = split($0, u, " ")
                else if (field == "suites") ns = split($0, s, " ")
                else if (field == "signed-by" && $0 ~ /^\//) key = $0
                else if (field == "enabled") enabled = tolower($0)
            }
            END { flush() }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        # deb [options] URI SUITE COMPONENTS...
        awk -v suite="$SUITE" '
            $1 != "deb" { next }
            {
                opts = ""; n = 2
                if ($2 ~ /^\[/) { while ($n !~ /\]$/) { opts = opts " " $n; n++ }; opts = opts " " $n; n++ }
                uri = $n; s = $(n + 1)
                if (s ~ "^" suite "(-|$)") { sub(/^ /, "", opts); printf "deb %s%s %s main\n", (opts != "" ? opts " " : ""), uri, s }
            }' "$f"
    done
}

APT_OPTS=()
apt_setup() { # ARCH: sets APT_OPTS for a private apt state of that architecture
    local arch=$1 st=$SOCEMU_CACHE/apt/$1
    mkdir -p "$st/lists/partial" "$st/cache/archives/partial" "$st/sources.list.d"
    : >"$st/status" # no packages installed
    if [[ -n ${SOCEMU_DEBIAN_MIRROR:-} ]]; then
        printf 'deb %s %s main\n' "$SOCEMU_DEBIAN_MIRROR" "$SUITE" >"$st/sources.list"
    else
        host_sources | sort -u >"$st/sources.list"
    fi
    [[ -s $st/sources.list ]] ||
        die "no Debian $SUITE entries in /etc/apt/sources.list*; set SOCEMU_DEBIAN_MIRROR=<Debian mirror URI>"
    # The host's apt.conf.d hooks (PackageKit, AppStream refresh, ...) act on the host: drop them.
    # Its other settings (proxy, Check-Valid-Until) still apply.
    cat >"$st/apt.conf" <<'EOF'
#clear APT::Update::Post-Invoke-Success;
#clear APT::Update::Post-Invoke;
#clear DPkg::Post-Invoke;
#clear DPkg::Pre-Invoke;
EOF
    APT_OPTS=(-c "$st/apt.conf" -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
        -o "Dir::State=$st" -o "Dir::State::Lists=$st/lists" -o "Dir::State::status=$st/status"
        -o "Dir::Cache=$st/cache" -o "Dir::Etc::SourceList=$st/sources.list"
        -o "Dir::Etc::SourceParts=$st/sources.list.d" -o "Dir::Etc::Preferences=/dev/null"
        -o "Dir::Etc::PreferencesParts=$st/sources.list.d"
        -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o Acquire::Languages=none)
}

candidate() { # PKG: version apt would pick, from the private lists
    apt-cache "${APT_OPTS[@]}" show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -1
}

deb_path() { # ARCH PKG VERSION: where that .deb lives in the cache (epoch ':' written as %3a, as apt does)
    echo "$SOCEMU_CACHE/debs/$1/$2_${3//:/%3a}_$1.deb"
}

download() { # ARCH PKG VERSION
    local arch=$1 pkg=$2 ver=$3 dest tmp
    dest=$(deb_path "$arch" "$pkg" "$ver")
    [[ -f $dest ]] && return 0
    say "download $pkg $ver ($arch)"
    tmp=$SOCEMU_CACHE/debs/$arch/.partial
    rm -rf "$tmp" && mkdir -p "$tmp"
    (cd "$tmp" && apt-get "${APT_OPTS[@]}" -q=2 download "$pkg:$arch=$ver") ||
        die "could not download $pkg $ver ($arch)"
    mv "$tmp"/*.deb "$dest"
    rmdir "$tmp"
}

deps_of() { # DEB: names of its Pre-Depends and Depends (first alternative, no versions)
    dpkg-deb -f "$1" Pre-Depends Depends | sed 's/^[A-Za-z-]*://' | tr ',' '\n' |
        sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' | grep -v '^$' || true
}

# Resolves every package to a version, downloads what is missing, writes packages.lock.
resolve_and_download() {
    local arch pkg ver kmeta kimg lock_tmp queue try
    lock_tmp=$LOCK.new
    : >"$lock_tmp"
    for arch in arm64 armhf; do
        apt_setup "$arch"
        say "apt-get update (private state, $arch)"
        # A mirror in the middle of a sync serves index files that fail their hashes: retry once,
        # then go on with the suites that did download (e.g. bookworm without bookworm-security
        # gives older but consistent versions) as long as there is at least one.
        for try in 1 2; do
            apt-get "${APT_OPTS[@]}" -q=2 update && break
            if ((try == 1)); then
                say "apt-get update ($arch) failed; retrying in 10 s"
                sleep 10
            else
                compgen -G "$SOCEMU_CACHE/apt/$arch/lists/*_Packages*" >/dev/null ||
                    die "apt-get update failed for $arch: no package index at all"
                log "WARNING: some $arch package indexes failed to download; using the ones that did"
            fi
        done
        case $arch in
            arm64) kmeta=linux-image-arm64 queue=(busybox-static u-boot-rpi crun) ;;
            armhf) kmeta=linux-image-armmp queue=(busybox-static u-boot-omap) ;;
        esac
        # The meta package depends on exactly one versioned image package; use that one.
        kimg=$(apt-cache "${APT_OPTS[@]}" show --no-all-versions "$kmeta" | sed -n 's/^Depends: //p' |
            tr ',' '\n' | grep -o 'linux-image-[0-9][^ ]*' | head -1)
        [[ -n $kimg ]] || die "cannot resolve $kmeta to a versioned kernel package"
        queue=("$kimg" "${queue[@]}")
        # Breadth-first: the named packages, plus crun's shared-library closure read from the
        # Depends of each downloaded .deb (kernels, busybox-static and u-boot need nothing).
        declare -A seen=()
        while ((${#queue[@]})); do
            pkg=${queue[0]} queue=("${queue[@]:1}")
            [[ -n ${seen[$pkg]:-} ]] && continue
            seen[$pkg]=1
            ver=$(candidate "$pkg")
            [[ -n $ver ]] || die "package $pkg not found for $arch"
            download "$arch" "$pkg" "$ver"
            echo "$arch $pkg $ver" >>"$lock_tmp"
            case $pkg in crun | lib*) mapfile -t -O "${#queue[@]}" queue < <(deps_of "$(deb_path "$arch" "$pkg" "$ver")") ;; esac
        done
        unset seen
    done
    sort -o "$lock_tmp" "$lock_tmp"
    mv "$lock_tmp" "$LOCK"
}

lock_satisfied() {
    [[ -s $LOCK ]] || return 1
    local arch pkg ver
    while read -r arch pkg ver; do
        [[ -f $(deb_path "$arch" "$pkg" "$ver") ]] || return 1
    done <"$LOCK"
}

if ((update)) || ! lock_satisfied; then
    ((offline)) && die "--offline, but packages are missing from $SOCEMU_CACHE (run without --offline once)"
    resolve_and_download
else
    say "packages.lock satisfied from the cache; no download"
fi

# ---------------------------------------------------------------------------------------------
# Extraction (dpkg-deb -x, once per package version)
# ---------------------------------------------------------------------------------------------
declare -A X=() # "arch/pkg" -> extracted tree
while read -r arch pkg ver; do
    dir=$SOCEMU_CACHE/extract/$arch/${pkg}_${ver//:/%3a}
    if [[ ! -f $dir/.extracted ]]; then
        say "extract $pkg $ver ($arch)"
        rm -rf "$dir" && mkdir -p "$dir"
        dpkg-deb -x "$(deb_path "$arch" "$pkg" "$ver")" "$dir"
        touch "$dir/.extracted"
    fi
    X[$arch/$pkg]=$dir
done <"$LOCK"

kernel_pkg() { awk -v a="$1" -v s="$2" '$1 == a && $2 ~ "^linux-image-.*-" s "$" { print $2 }' "$LOCK"; }
RPI3_KDIR=${X[arm64/$(kernel_pkg arm64 arm64)]}
ARMMP_KDIR=${X[armhf/$(kernel_pkg armhf armmp)]}
RPI3_KVER=$(basename "$(echo "$RPI3_KDIR"/lib/modules/*)")
ARMMP_KVER=$(basename "$(echo "$ARMMP_KDIR"/lib/modules/*)")

# ---------------------------------------------------------------------------------------------
# --docker: the Docker card (rpi3-docker/card.img), issue 18. Partition 1 is the demo card's
# FAT partition as is (firmware files, kernel, initramfs: its /init loads the SD/ext4 modules
# and switches to partition 2); partition 2 is an ext4 root made of every package of
# `apt-get install --no-install-recommends` of DOCKER_PKGS (docker.io ... stress-ng) extracted
# (no maintainer scripts run), busybox applets for what is missing, the kernel's modules with a
# modules.dep from the package's own depmod (through qemu-user), iptables -> nft, a docker-save
# archive of a busybox image, and tools/assets/rpi3-docker/init as /sbin/init. Versions are
# pinned in rpi3-docker.lock next to packages.lock (re-resolved with --update, or when
# DOCKER_PKGS changes); the card is rebuilt when that lock, the demo card, this block or
# tools/assets/rpi3-docker change, and is byte-reproducible.
# ---------------------------------------------------------------------------------------------
# (stress-ng: for bench/docker-stress.py; 12 MB with its libraries)
DOCKER_PKGS=(docker.io apparmor busybox-static kmod stress-ng)
DOCKER_CARD_MIB=1024
DOCKER_DISK_ID=0x5ec0d0c1
DOCKER_EXT4_UUID=5ec0d0c1-0000-4000-8000-000000000001
DOCKER_EXT4_HASH_SEED=5ec0d0c1-0000-4000-8000-000000000002
# Module directories a container host never needs (and that make up most of the package).
DOCKER_MODULES_DROP=(sound drivers/gpu drivers/media drivers/net/wireless drivers/infiniband
    drivers/staging drivers/scsi drivers/iio drivers/input drivers/hid drivers/bluetooth)

docker_lock_ok() { # LOCK: every package it names is downloaded
    local arch pkg ver
    [[ -s $1 ]] || return 1
    while read -r arch pkg ver; do [[ -f $(deb_path "$arch" "$pkg" "$ver") ]] || return 1; done <"$1"
}

build_docker_card() {
    local dout=$OUT/rpi3-docker arch pkg ver f dkey droot dwork kdir_mod
    local dlock=$SOCEMU_CACHE/rpi3-docker.lock
    mkdir -p "$dout"
    if ((update)) || ! docker_lock_ok "$dlock" || [[ $(cat "$dlock.request" 2>/dev/null) != "${DOCKER_PKGS[*]}" ]]; then
        ((offline)) && die "--offline, but the Docker card's packages are not all in $SOCEMU_CACHE"
        apt_setup arm64
        compgen -G "$SOCEMU_CACHE/apt/arm64/lists/*_Packages*" >/dev/null ||
            apt-get "${APT_OPTS[@]}" -q=2 update || die "apt-get update failed (arm64)"
        say "resolve the Docker card's packages: ${DOCKER_PKGS[*]}"
        # The private status is empty, so the simulation lists the whole closure with versions.
        apt-get "${APT_OPTS[@]}" -s --no-install-recommends install "${DOCKER_PKGS[@]}" 2>/dev/null |
            sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*\[\(arm64\|all\)\].*/arm64 \1 \2/p' | sort >"$dlock.new"
        grep -q '^arm64 docker.io ' "$dlock.new" || die "apt cannot resolve docker.io for arm64"
        while read -r arch pkg ver; do download "$arch" "$pkg" "$ver"; done <"$dlock.new"
        mv "$dlock.new" "$dlock"
        echo "${DOCKER_PKGS[*]}" >"$dlock.request"
    fi
    dkey=$({
        cat "$dlock"
        echo "$KEY"
        (cd "$SOCEMU_ROOT" && find tools/assets/rpi3-docker -type f -print0 | sort -z | xargs -0 sha256sum)
        sed -n '/^# --docker: the Docker card/,/^# ---- end of the Docker card/p' "$SOCEMU_ROOT/tools/guest-assets.sh"
    } | sha256sum | cut -d' ' -f1)
    if ((!force)) && [[ -f $dout/card.img && -f $dout/stamp && $(cat "$dout/stamp") == "$dkey" ]]; then
        say "rpi3-docker/card.img up to date (stamp ${dkey:0:12})"
        return 0
    fi
    say "build rpi3-docker/card.img"
    dwork=$dout/.work
    rm -rf "$dwork" "$dout/stamp"
    droot=$dwork/rootfs
    mkdir -p "$droot"
    while read -r arch pkg ver; do
        f=$SOCEMU_CACHE/extract/$arch/${pkg}_${ver//:/%3a}
        if [[ ! -f $f/.extracted ]]; then
            rm -rf "$f" && mkdir -p "$f"
            dpkg-deb -x "$(deb_path "$arch" "$pkg" "$ver")" "$f"
            touch "$f/.extracted"
        fi
        cp -a "$f/." "$droot/"
    done <"$dlock"
    rm -f "$droot/.extracted"
    # busybox for everything the packages leave out (sh, mount, ip, ps, ...); never over a file.
    qemu-aarch64-static "$droot/bin/busybox" --list-full >"$dwork/applets" ||
        die "cannot run the arm64 busybox with qemu-aarch64-static"
    while read -r f; do
        [[ -e $droot/$f || -L $droot/$f ]] && continue
        mkdir -p "$droot/$(dirname "$f")"
        ln -s /bin/busybox "$droot/$f"
    done <"$dwork/applets"
    # What update-alternatives would pick on Debian: the nf_tables iptables.
    for f in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
        ln -sf xtables-nft-multi "$droot/usr/sbin/$f"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$droot/etc/passwd"
    printf 'root:x:0:\ndocker:x:999:\n' >"$droot/etc/group"
    printf '127.0.0.1\tlocalhost\n' >"$droot/etc/hosts"
    echo socemu >"$droot/etc/hostname"
    mkdir -p "$droot"/{dev,proc,sys,run,tmp,root,mnt,var/lib/docker,var/lib/socemu}
    chmod 1777 "$droot/tmp"
    [[ -e $droot/var/run ]] || ln -s /run "$droot/var/run"
    # The kernel's modules, less the unneeded trees, indexed by kmod's depmod (run as `depmod`).
    kdir_mod=$droot/lib/modules/$RPI3_KVER
    mkdir -p "$droot/lib/modules"
    cp -a "$RPI3_KDIR/lib/modules/$RPI3_KVER" "$droot/lib/modules/"
    for f in "${DOCKER_MODULES_DROP[@]}"; do rm -rf "${kdir_mod:?}/kernel/$f"; done
    qemu-aarch64-static -L "$droot" -0 depmod "$droot/bin/kmod" -b "$droot" "$RPI3_KVER" ||
        die "depmod (kmod, through qemu-user) failed for the Docker card"
    [[ -s $kdir_mod/modules.dep ]] || die "depmod wrote no modules.dep"
    python3 "$ASSETS/rpi3-docker/mkdockerimage.py" "$droot/bin/busybox" \
        "$droot/var/lib/socemu/hello.tar" socemu/hello:1 "$EPOCH"
    rm -f "$droot/sbin/init"
    install -m 0755 "$ASSETS/rpi3-docker/init" "$droot/sbin/init"
    {
        echo "socemu Docker guest (Raspberry Pi 3, Debian $SUITE packages)"
        echo "kernel $RPI3_KVER"
        awk '{ print "package", $2, $3 }' "$dlock"
    } >"$droot/etc/socemu-release"
    find "$droot" -exec touch -h -d "@$EPOCH" {} +

    local card=$dwork/card.img p2=$dwork/p2.ext4
    local p2_sectors=$((DOCKER_CARD_MIB * 2048 - P2_START))
    truncate -s "${DOCKER_CARD_MIB}M" "$card"
    printf 'label: dos\nlabel-id: %s\nunit: sectors\nstart=%s, size=%s, type=c, bootable\nstart=%s, size=%s, type=83\n' \
        "$DOCKER_DISK_ID" "$P1_START" "$P1_SECTORS" "$P2_START" "$p2_sectors" | sfdisk -q "$card"
    dd if="$OUT/rpi3/sdcard.img" of="$card" bs=512 skip="$P1_START" seek="$P1_START" \
        count="$P1_SECTORS" conv=notrunc,sparse status=none
    truncate -s $((p2_sectors * 512)) "$p2"
    mke2fs -q -F -t ext4 -L rootfs -U "$DOCKER_EXT4_UUID" \
        -E "hash_seed=$DOCKER_EXT4_HASH_SEED,root_owner=0:0" -d "$droot" "$p2" $((p2_sectors / 2))k
    # As for the demo card: pin every inode's times and owner (mke2fs -d copies the host's).
    (cd "$droot" && find . -mindepth 1 | sort) | while read -r f; do
        for field in atime ctime mtime; do printf 'sif "%s" %s @%s\n' "${f#.}" "$field" "$EPOCH"; done
        printf 'sif "%s" uid 0\nsif "%s" gid 0\n' "${f#.}" "${f#.}"
    done >"$dwork/debugfs.cmds"
    debugfs -w -f "$dwork/debugfs.cmds" "$p2" >"$dwork/debugfs.log" 2>&1 ||
        { tail "$dwork/debugfs.log" >&2; die "debugfs failed on the Docker card's ext4 image"; }
    dd if="$p2" of="$card" bs=512 seek="$P2_START" conv=notrunc,sparse status=none
    rm -f "$p2"
    mv "$card" "$dout/card.img"
    rm -rf "$dwork"
    (cd "$dout" && sha256sum card.img) >"$dout/SHA256SUMS"
    echo "$dkey" >"$dout/stamp"
    say "rpi3-docker/card.img built (stamp ${dkey:0:12})"
}
# ---- end of the Docker card

# ---------------------------------------------------------------------------------------------
# Up to date?
# ---------------------------------------------------------------------------------------------
OUTPUTS=(rpi3/Image rpi3/bcm2837-rpi-3-b.dtb rpi3/bcm2837-rpi-3-b-plus.dtb rpi3/initramfs.cpio.gz
    rpi3/sdcard.img rpi3/u-boot.bin armmp/zImage armmp/am335x-boneblack.dtb armmp/busybox
    armmp/MLO armmp/u-boot.img)

# The stamp covers everything the bytes depend on: package versions, this script and
# tools/assets/*, and the versions of the host tools that write the images.
stamp_key() {
    {
        cat "$LOCK"
        (cd "$SOCEMU_ROOT" && find tools/assets tools/guest-assets.sh -type f -print0 | sort -z | xargs -0 sha256sum)
        mke2fs -V 2>&1 | head -1
        mkfs.vfat --help 2>&1 | grep -i '^mkfs.fat'
        mtools --version | head -1
        gzip --version | head -1
        sfdisk --version
        echo "epoch $EPOCH"
    } | sha256sum | cut -d' ' -f1
}
KEY=$(stamp_key)

write_env() {
    local env=$OUT/assets.env
    # NAME='value' lines: shell-sourceable, and easy to parse from other languages
    var() { printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"; }
    {
        echo "# socemu guest assets, written by tools/guest-assets.sh; source this file."
        var SOCEMU_ASSETS_DIR "$OUT"
        var SOCEMU_RPI3_KVER "$RPI3_KVER"
        var SOCEMU_RPI3_KERNEL "$OUT/rpi3/Image"
        var SOCEMU_RPI3_DTB "$OUT/rpi3/bcm2837-rpi-3-b.dtb"
        var SOCEMU_RPI3_DTB_BPLUS "$OUT/rpi3/bcm2837-rpi-3-b-plus.dtb"
        var SOCEMU_RPI3_INITRD "$OUT/rpi3/initramfs.cpio.gz"
        var SOCEMU_RPI3_CMDLINE "console=ttyS1,115200 earlycon rdinit=/init"
        var SOCEMU_RPI3_SDCARD "$OUT/rpi3/sdcard.img"
        var SOCEMU_RPI3_SDCARD_P1_OFFSET "$((P1_START * 512))"
        var SOCEMU_RPI3_SDCARD_P2_OFFSET "$((P2_START * 512))"
        var SOCEMU_RPI3_UBOOT "$OUT/rpi3/u-boot.bin"
        var SOCEMU_RPI3_EXPECT "SOCEMU-CONTAINER-OK"
        var SOCEMU_ARMMP_KVER "$ARMMP_KVER"
        var SOCEMU_ARMMP_KERNEL "$OUT/armmp/zImage"
        var SOCEMU_ARMMP_DTB "$OUT/armmp/am335x-boneblack.dtb"
        var SOCEMU_ARMMP_BUSYBOX "$OUT/armmp/busybox"
        var SOCEMU_ARMMP_MODULES "$ARMMP_KDIR/lib/modules/$ARMMP_KVER"
        var SOCEMU_BBB_MLO "$OUT/armmp/MLO"
        var SOCEMU_BBB_UBOOT "$OUT/armmp/u-boot.img"
        if [[ -f $OUT/rpi3-docker/card.img ]]; then
            var SOCEMU_RPI3_DOCKER_CARD "$OUT/rpi3-docker/card.img"
        fi
    } >"$env.new"
    mv "$env.new" "$env"
}

print_paths() {
    ((quiet)) || log "outputs in $OUT:"
    grep -v '^#' "$OUT/assets.env"
}

up_to_date() {
    [[ -f $OUT/stamp && $(cat "$OUT/stamp") == "$KEY" ]] || return 1
    local f
    for f in "${OUTPUTS[@]}"; do [[ -f $OUT/$f ]] || return 1; done
}

if ((!force)) && up_to_date; then
    say "outputs up to date (stamp ${KEY:0:12})"
    ((docker)) && build_docker_card
    write_env
    print_paths
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Raspberry Pi 3 userland: one tree, used for the initramfs and for the card's ext4 partition
# ---------------------------------------------------------------------------------------------
WORK=$OUT/.work
rm -rf "$WORK" "$OUT/stamp"
mkdir -p "$WORK" "$OUT/rpi3" "$OUT/armmp"
ROOT=$WORK/rootfs
say "build the rpi3 userland ($RPI3_KVER)"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,mnt,root,etc/socemu,lib}

# busybox and its applet links (busybox --list-full, run through qemu-user: it is an arm64 binary)
install -m 0755 "${X[arm64/busybox-static]}/bin/busybox" "$ROOT/bin/busybox"
qemu-aarch64-static "$ROOT/bin/busybox" --list-full >"$WORK/applets" ||
    die "cannot run the arm64 busybox with qemu-aarch64-static"
while read -r applet; do
    [[ -e $ROOT/$applet || -L $ROOT/$applet ]] && continue
    mkdir -p "$ROOT/$(dirname "$applet")"
    ln -s /bin/busybox "$ROOT/$applet"
done <"$WORK/applets"

# crun and the shared libraries it needs. The packages of crun's dependency closure are copied
# into a pool; from there only the libraries crun needs (transitively, by DT_NEEDED) go into the
# tree, plus libgcc_s, which glibc loads at run time for thread cancellation.
install -m 0755 "${X[arm64/crun]}/usr/bin/crun" "$ROOT/usr/bin/crun"
POOL=$WORK/libpool
mkdir -p "$POOL"
while read -r arch pkg ver; do
    [[ $arch == arm64 && $pkg == lib* ]] || continue
    for d in lib usr/lib; do
        [[ -d ${X[arm64/$pkg]}/$d ]] || continue
        mkdir -p "$POOL/$d"
        cp -a "${X[arm64/$pkg]}/$d/." "$POOL/$d/"
    done
done <"$LOCK"
install_lib() { # SONAME: copies it (symlink and target) from the pool, then what it needs
    local so=$1 d f need
    for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
        [[ -e $POOL/$d/$so ]] || continue
        [[ -e $ROOT/$d/$so ]] && return 0
        mkdir -p "$ROOT/$d"
        f=$so
        while [[ -L $POOL/$d/$f ]]; do # a chain of relative links in the same directory
            cp -a "$POOL/$d/$f" "$ROOT/$d/"
            f=$(readlink "$POOL/$d/$f")
        done
        cp -a "$POOL/$d/$f" "$ROOT/$d/"
        for need in $(readelf -d "$ROOT/$d/$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            install_lib "$need"
        done
        return 0
    done
    die "library $so (needed by crun) is in no package of crun's closure: check its Depends"
}
for need in $(readelf -d "$ROOT/usr/bin/crun" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p') \
    ld-linux-aarch64.so.1 libgcc_s.so.1; do
    install_lib "$need"
done
cp -a "$POOL/lib/ld-linux-aarch64.so.1" "$ROOT/lib/" # the interpreter path in every arm64 binary
[[ $(readelf -l "$ROOT/usr/bin/crun" | sed -n 's/.*interpreter: \(.*\)\]/\1/p') == /lib/ld-linux-aarch64.so.1 ]] ||
    die "crun asks for an unexpected program interpreter"
rm -rf "$POOL"
# Let the arm64 loader itself (through qemu-user) resolve crun's libraries inside the tree.
# (Running crun --version would be nicer, but crun re-executes itself through a memfd, which
# fails under qemu-user when not root.)
qemu-aarch64-static -L "$ROOT" "$ROOT/lib/ld-linux-aarch64.so.1" --list /usr/bin/crun >"$WORK/crun.ldd" 2>&1 &&
    ! grep -q 'not found' "$WORK/crun.ldd" ||
    { cat "$WORK/crun.ldd" >&2; die "the arm64 loader cannot load crun with the libraries in the initramfs"; }

# Kernel modules: the list in tools/assets/rpi3/modules.txt, each preceded by its dependencies.
# The package ships no modules.dep (its postinst runs depmod), so the dependencies are read from
# each module's .modinfo "depends=" field, and a modules.dep for the subset is written here.
MODDIR=$RPI3_KDIR/lib/modules/$RPI3_KVER
declare -A MODPATH=() DEPLIST=()
while read -r path; do
    name=${path##*/}
    name=${name%.ko}
    MODPATH[${name//-/_}]=$path
done < <(cd "$MODDIR" && find kernel -name '*.ko*' | sort)
ORDER=()
add_module() { # PATH (relative to the modules dir): adds its dependencies, then itself
    local path=$1 dep dpath all=()
    [[ -n ${DEPLIST[$path]+set} ]] && return 0
    [[ $path == *.ko ]] || die "module $path is compressed; busybox insmod needs plain .ko files"
    for dep in $(readelf -p .modinfo "$MODDIR/$path" | sed -n 's/.*\]  *depends=//p' | tr ',' ' '); do
        dpath=${MODPATH[${dep//-/_}]:-}
        [[ -n $dpath ]] || die "module $path depends on $dep, which is not in the package"
        add_module "$dpath"
        all+=("$dpath" ${DEPLIST[$dpath]})
    done
    # modules.dep lists all (transitive) dependencies; modprobe loads them last to first.
    DEPLIST[$path]=$(printf '%s\n' "${all[@]}" | awk 'NF && !seen[$0]++' | tr '\n' ' ')
    ORDER+=("$path")
}
while read -r name; do
    name=${name%%#*}
    name=${name//[[:space:]]/}
    [[ -n $name ]] || continue
    path=${MODPATH[${name//-/_}]:-}
    [[ -n $path ]] || die "module $name (tools/assets/rpi3/modules.txt) is not in the $RPI3_KVER package"
    add_module "$path"
done <"$ASSETS/rpi3/modules.txt"
for path in "${ORDER[@]}"; do
    install -D -m 0644 "$MODDIR/$path" "$ROOT/lib/modules/$RPI3_KVER/$path"
    echo "$path: ${DEPLIST[$path]}" | sed 's/ *$//' >>"$ROOT/lib/modules/$RPI3_KVER/modules.dep"
done
printf '%s\n' "${ORDER[@]}" >"$ROOT/etc/socemu/modules.load"

# The OCI bundle: a config.json written by hand (crun spec cannot run here) and a busybox rootfs.
B=$ROOT/containers/hello
mkdir -p "$B/rootfs"/{bin,dev,proc,sys,tmp,etc}
install -m 0644 "$ASSETS/rpi3/hello-config.json" "$B/config.json"
install -m 0755 "${X[arm64/busybox-static]}/bin/busybox" "$B/rootfs/bin/busybox"
for applet in sh echo cat ls; do ln -s busybox "$B/rootfs/bin/$applet"; done

# Stage one (the initramfs's /init: modules, root=, switch_root) and stage two (/sbin/init, in
# place of busybox's init applet: the demo's work, then power-off), in the one tree.
install -m 0755 "$ASSETS/rpi3/init" "$ROOT/init"
rm -f "$ROOT/sbin/init"
install -m 0755 "$ASSETS/rpi3/rootfs-init" "$ROOT/sbin/init"
{
    echo "socemu demo guest (Raspberry Pi 3, Debian $SUITE packages)"
    echo "kernel $RPI3_KVER"
    awk '$1 == "arm64" { print "package", $2, $3 }' "$LOCK"
} >"$ROOT/etc/socemu-release"
find "$ROOT" -exec touch -h -d "@$EPOCH" {} +

# ---------------------------------------------------------------------------------------------
# initramfs: newc cpio, sorted, owners 0:0, fixed mtimes, with /dev/console (the kernel opens it
# for /init's stdio before anything mounts devtmpfs)
# ---------------------------------------------------------------------------------------------
say "build rpi3/initramfs.cpio.gz"
python3 "$ASSETS/mkcpio.py" "$ROOT" "$EPOCH" "c dev/console 600 5 1" "c dev/null 666 1 3" |
    gzip -n -9 >"$WORK/initramfs.cpio.gz"

# ---------------------------------------------------------------------------------------------
# Kernel, DTBs
# ---------------------------------------------------------------------------------------------
DTBDIR=$RPI3_KDIR/usr/lib/linux-image-$RPI3_KVER/broadcom
# Debian's arm64 vmlinuz is an uncompressed Image (EFI stub): the Pi's kernel8.img as is.
cp "$RPI3_KDIR/boot/vmlinuz-$RPI3_KVER" "$WORK/Image"
cp "$DTBDIR/bcm2837-rpi-3-b.dtb" "$DTBDIR/bcm2837-rpi-3-b-plus.dtb" "$WORK/"
cp "${X[arm64/u-boot-rpi]}/usr/lib/u-boot/rpi_3/u-boot.bin" "$WORK/u-boot.bin"

# ---------------------------------------------------------------------------------------------
# SD card: MBR, p1 FAT32 (type 0x0c) boot files, p2 ext4 with the userland. Nothing is mounted.
# ---------------------------------------------------------------------------------------------
say "build rpi3/sdcard.img (${CARD_MIB} MiB)"
CARD=$WORK/sdcard.img
rm -f "$CARD"
truncate -s "${CARD_MIB}M" "$CARD"
sfdisk -q "$CARD" <<EOF
label: dos
label-id: $CARD_DISK_ID
unit: sectors
start=$P1_START, size=$P1_SECTORS, type=c, bootable
start=$P2_START, size=$P2_SECTORS, type=83
EOF

mkdir -p "$WORK/boot"
cp "$ASSETS/rpi3/config.txt" "$ASSETS/rpi3/cmdline.txt" "$WORK/boot/"
cp "$WORK/Image" "$WORK/boot/kernel8.img"
cp "$WORK/bcm2837-rpi-3-b.dtb" "$WORK/bcm2837-rpi-3-b-plus.dtb" "$WORK/initramfs.cpio.gz" "$WORK/boot/"
touch -d "@$EPOCH" "$WORK/boot"/*
# (mkfs.vfat warns that the file is larger than the file system: expected, it is the whole card)
mkfs.vfat -F 32 -n BOOT --invariant -i "$FAT_VOLUME_ID" -h "$P1_START" --offset "$P1_START" \
    "$CARD" $((P1_SECTORS / 2)) >"$WORK/mkfs.log" 2>&1 || { cat "$WORK/mkfs.log" >&2; die "mkfs.vfat failed"; }
# -m keeps the (fixed) mtimes; files are copied in sorted order so directory slots are fixed.
for f in $(cd "$WORK/boot" && ls | sort); do
    mcopy -m -i "$CARD@@$((P1_START * 512))" "$WORK/boot/$f" "::$f"
done

P2=$WORK/p2.ext4
truncate -s $((P2_SECTORS * 512)) "$P2"
mke2fs -q -F -t ext4 -L rootfs -U "$EXT4_UUID" -E "hash_seed=$EXT4_HASH_SEED,root_owner=0:0" \
    -d "$ROOT" "$P2" $((P2_SECTORS / 2))k
# mke2fs -d copies each file's atime, ctime (which touch cannot set) and owner from the host:
# pin them with debugfs, so the bytes do not depend on when or by whom the card was made. Then
# the device nodes the tree cannot hold without root.
{
    (cd "$ROOT" && find . -mindepth 1 | sort) | while read -r f; do
        for field in atime ctime mtime; do printf 'sif "%s" %s @%s\n' "${f#.}" "$field" "$EPOCH"; done
        printf 'sif "%s" uid 0\nsif "%s" gid 0\n' "${f#.}" "${f#.}"
    done
    # debugfs's mknod links the node into the current directory and gives it no permissions.
    echo "cd /dev"
    for node in "console c 5 1 020600" "null c 1 3 020666"; do
        read -r name type major minor mode <<<"$node"
        printf 'mknod %s %s %s %s\nsif %s mode %s\n' "$name" "$type" "$major" "$minor" "$name" "$mode"
        for field in atime ctime mtime; do printf 'sif %s %s @%s\n' "$name" "$field" "$EPOCH"; done
    done
} >"$WORK/debugfs.cmds"
debugfs -w -f "$WORK/debugfs.cmds" "$P2" >"$WORK/debugfs.log" 2>&1 ||
    { cat "$WORK/debugfs.log" >&2; die "debugfs failed on the ext4 image"; }
dd if="$P2" of="$CARD" bs=512 seek="$P2_START" conv=notrunc,sparse status=none
rm -f "$P2"

# ---------------------------------------------------------------------------------------------
# armhf (BeagleBone Black): kernel, DTB, static busybox, U-Boot SPL + U-Boot; used later
# ---------------------------------------------------------------------------------------------
say "collect the armhf assets ($ARMMP_KVER)"
cp "$ARMMP_KDIR/boot/vmlinuz-$ARMMP_KVER" "$WORK/zImage"
cp "$ARMMP_KDIR/usr/lib/linux-image-$ARMMP_KVER/am335x-boneblack.dtb" "$WORK/"
cp "${X[armhf/busybox-static]}/bin/busybox" "$WORK/busybox"
cp "${X[armhf/u-boot-omap]}/usr/lib/u-boot/am335x_evm/MLO" "${X[armhf/u-boot-omap]}/usr/lib/u-boot/am335x_evm/u-boot.img" "$WORK/"

# ---------------------------------------------------------------------------------------------
# Validate, then move into place
# ---------------------------------------------------------------------------------------------
hexat() { od -An -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
[[ $(hexat "$WORK/Image" 0x38 4) == 41524d64 ]] || die "rpi3 Image: no ARM\\x64 magic at 0x38 (not an arm64 Image)"
for f in "$WORK"/*.dtb; do
    [[ $(hexat "$f" 0 4) == d00dfeed ]] || die "$(basename "$f"): not a flattened device tree (no d00dfeed)"
done
[[ $(hexat "$WORK/zImage" 0x24 4) == 18286f01 ]] || die "armmp zImage: no zImage magic at 0x24"
gzip -t "$WORK/initramfs.cpio.gz" || die "initramfs: bad gzip stream"
listing=$(gzip -dc "$WORK/initramfs.cpio.gz" | cpio -t --quiet)
for f in init sbin/init bin/busybox bin/sh usr/bin/crun lib/ld-linux-aarch64.so.1 dev/console \
    containers/hello/config.json containers/hello/rootfs/bin/busybox etc/socemu/modules.load; do
    grep -qx "$f" <<<"$listing" || die "initramfs: $f missing"
done
[[ $(sfdisk -d "$CARD" | grep -c '^.*: start=') == 2 ]] || die "sdcard: expected 2 partitions"
fat=$(mdir -b -i "$CARD@@$((P1_START * 512))" ::)
for f in config.txt cmdline.txt kernel8.img bcm2837-rpi-3-b.dtb initramfs.cpio.gz; do
    grep -qi "/$f\$" <<<"$fat" || die "sdcard: $f missing from the FAT partition"
done

mv "$WORK/Image" "$WORK"/bcm2837-rpi-3-b*.dtb "$WORK/initramfs.cpio.gz" "$WORK/sdcard.img" \
    "$WORK/u-boot.bin" "$OUT/rpi3/"
cp "$ASSETS/rpi3/config.txt" "$ASSETS/rpi3/cmdline.txt" "$OUT/rpi3/"
mv "$WORK/zImage" "$WORK/am335x-boneblack.dtb" "$WORK/busybox" "$WORK/MLO" "$WORK/u-boot.img" "$OUT/armmp/"
rm -rf "$WORK"
(cd "$OUT" && sha256sum "${OUTPUTS[@]}") >"$OUT/SHA256SUMS"
echo "$KEY" >"$OUT/stamp"
((docker)) && build_docker_card
write_env
((quiet)) || { log "built (stamp ${KEY:0:12}):"; sed 's/^/    /' "$OUT/SHA256SUMS" >&2; }
print_paths
