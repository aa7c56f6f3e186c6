# Debian 12 roots for packaging/test-deb and packaging/e2e, sourced by both (bash, as root).
#
# The base root is debootstrap's minbase bookworm, made once and cached in $BAILIFF_E2E_ROOTFS
# (default /var/cache/bailiff-e2e/rootfs). A layer is a copy of it with more packages, cached
# beside it and remade when its package list changes. Each run works in an overlay over a cached
# root, so the caches stay clean; delete them to start afresh.

ROOTFS=${BAILIFF_E2E_ROOTFS:-/var/cache/bailiff-e2e/rootfs}
SUITE=bookworm

# Runs a command in root DIR with a clean environment.
in_chroot() {
    local dir=$1; shift
    chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}

# Makes the cached base root unless it is complete already.
ensure_base_root() {
    [ -e "$ROOTFS/.bailiff-e2e-complete" ] && return 0
    command -v debootstrap >/dev/null || { echo "debootstrap is not installed" >&2; return 1; }
    echo "==> debootstrap --variant=minbase $SUITE $ROOTFS (once; a few minutes)"
    rm -rf "$ROOTFS.new"
    mkdir -p "$(dirname "$ROOTFS")"
    debootstrap --variant=minbase "$SUITE" "$ROOTFS.new"
    touch "$ROOTFS.new/.bailiff-e2e-complete"
    rm -rf "$ROOTFS"
    mv "$ROOTFS.new" "$ROOTFS"
}

# ensure_layer NAME PACKAGE...: prints the path of the cached layer NAME (the base root plus
# PACKAGES, installed with apt and no recommends), making it first when missing or stale.
ensure_layer() {
    local name=$1; shift
    local layer
    layer="$(dirname "$ROOTFS")/$name"
    local wanted="$*"
    ensure_base_root >&2 || return 1
    if [ -e "$layer/.bailiff-e2e-complete" ] && [ "$(cat "$layer/.bailiff-e2e-complete")" = "$wanted" ]; then
        echo "$layer"
        return 0
    fi
    echo "==> making $layer: $wanted" >&2
    rm -rf "$layer.new"
    cp -a "$ROOTFS" "$layer.new"
    cp -L /etc/resolv.conf "$layer.new/etc/resolv.conf"
    # Nothing may start services while the layer is made.
    printf '#!/bin/sh\nexit 101\n' >"$layer.new/usr/sbin/policy-rc.d"
    chmod 755 "$layer.new/usr/sbin/policy-rc.d"
    mount -t proc proc "$layer.new/proc"
    local status=0
    { in_chroot "$layer.new" apt-get update -qq &&
      in_chroot "$layer.new" apt-get install -y -qq --no-install-recommends "$@"; } >&2 || status=$?
    in_chroot "$layer.new" apt-get clean >&2 || true
    umount "$layer.new/proc"
    rm -f "$layer.new/usr/sbin/policy-rc.d"
    if [ $status -ne 0 ]; then
        echo "apt-get install in $layer.new failed" >&2
        return 1
    fi
    printf '%s' "$wanted" >"$layer.new/.bailiff-e2e-complete"
    rm -rf "$layer"
    mv "$layer.new" "$layer"
    echo "$layer"
}

# Mounts made by a run, undone in reverse by undo_mounts.
MOUNTS=()

# mount_overlay LOWER WORKDIR: mounts a writable overlay over LOWER at WORKDIR/root.
mount_overlay() {
    local lower=$1 work=$2
    mkdir -p "$work/upper" "$work/work" "$work/root"
    mount -t overlay overlay -o "lowerdir=$lower,upperdir=$work/upper,workdir=$work/work" "$work/root"
    MOUNTS+=("$work/root")
}

# track_mount ARGS...: mount(8) with ARGS, the last one being the mount point.
track_mount() {
    mount "$@"
    MOUNTS+=("${!#}")
}

# Unmounts everything mounted by this run and deletes WORKDIR, unless a mount is left in it.
undo_mounts() {
    local work=$1 i status=0
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" || status=1
    done
    MOUNTS=()
    # Never delete through a mount that is still there.
    if [ $status -eq 0 ] && ! findmnt -rn -o TARGET | grep -q "^$work/"; then
        rm -rf "$work"
    else
        echo "$work still has mounts; left in place" >&2
        return 1
    fi
}
