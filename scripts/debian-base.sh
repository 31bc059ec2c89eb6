#!/usr/bin/env bash
# Makes a container base image's root file system from Debian packages, for machines that reach
# Debian's mirror but no container registry. Cached: a second call with the same platform and
# packages prints the cached archive's path at once.
#
#   scripts/debian-base.sh linux/amd64|linux/ppc64le|linux/s390x|linux/arm64 PACKAGE...
#
# Prints the path of a tar of the root file system (Debian 12 "bookworm", variant minbase, plus
# the packages named). A foreign platform runs debootstrap's second stage under QEMU (binfmt_misc,
# set up by scripts/setup.sh). Cache: ARCHIPELAGO_CACHE (default ~/.cache/archipelago)/bases.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 linux/ARCH [PACKAGE...]" >&2; exit 2; }
platform=$1; shift
case "$platform" in
  linux/amd64) deb_arch=amd64 ;;
  linux/arm64) deb_arch=arm64 ;;
  linux/ppc64le) deb_arch=ppc64el ;;
  linux/s390x) deb_arch=s390x ;;
  *) echo "debian-base: unsupported platform '$platform'" >&2; exit 2 ;;
esac
command -v debootstrap >/dev/null || { echo "debian-base: debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }
MIRROR="${ARCHIPELAGO_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
CACHE="${ARCHIPELAGO_CACHE:-$HOME/.cache/archipelago}"
packages=$(printf '%s\n' "$@" | LC_ALL=C sort -u | paste -sd, -)
key=$(printf '%s %s %s' "$SUITE" "$deb_arch" "$packages" | sha256sum | cut -c1-16)
out="$CACHE/bases/$SUITE-$deb_arch-$key.tar"
if [ -s "$out" ]; then echo "$out"; exit 0; fi
mkdir -p "$CACHE/bases"
work=$(mktemp -d "$CACHE/bases/.work-XXXXXX")
root="$work/root"
release_mounts() { for m in proc sys dev/pts dev; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done; return 0; }
trap 'release_mounts; rm -rf "$work"' EXIT
log="$work/debootstrap.log"
echo "debian-base: debootstrap $SUITE for $platform, then ${packages:-nothing more} (minutes; log $log)" >&2
fail() { echo "debian-base: $1 failed; the log's end:" >&2; tail -25 "$log" >&2; exit 1; }
if [ "$deb_arch" = "$(dpkg --print-architecture)" ]; then
  debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$log" 2>&1 || fail debootstrap
else
  debootstrap --arch="$deb_arch" --foreign --variant=minbase "$SUITE" "$root" "$MIRROR" >"$log" 2>&1 \
    || fail "debootstrap's first stage"
  # the second stage runs the foreign packages' scripts: binfmt_misc hands them to QEMU
  chroot "$root" /debootstrap/debootstrap --second-stage >>"$log" 2>&1 || fail "debootstrap's second stage"
fi
release_mounts
if [ -n "$packages" ]; then
  # apt, not debootstrap's --include, resolves the packages' dependencies (alternatives included)
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$root/etc/apt/sources.list"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # packages install as in an image build: no service starts (policy-rc.d)
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  IFS=, read -r -a wanted <<<"$packages"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q update >>"$log" 2>&1 || fail "apt-get update"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "${wanted[@]}" >>"$log" 2>&1 \
    || fail "apt-get install ${wanted[*]}"
  chroot "$root" apt-get clean
  rm -f "$root/usr/sbin/policy-rc.d"
  release_mounts
  : >"$root/etc/resolv.conf"
fi
# what a container does not need
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* "$root/var/log/"* "$root/debootstrap" \
  "$root/proc/"* "$root/sys/"* "$root/tmp/"*
tar --numeric-owner --sort=name -C "$root" -cf "$work/rootfs.tar" .
mv "$work/rootfs.tar" "$out"
echo "$out"
