#!/usr/bin/env bash
# Installs and starts what Archipelago's tests and local stack need on a Debian 12 machine
# without a container engine. Idempotent, and quick when everything is already there.
#
#   - Debian packages: docker-registry buildah skopeo qemu-user-static busybox-static git curl,
#     debootstrap (bases made from Debian packages, scripts/debian-base.sh), podman and
#     podman-compose (the compose and Testcontainers tests), and for the dashboard's browser test chromium chromium-driver fonts-dejavu-core (without
#     their recommends)
#   - PostgreSQL: installed only if no server answers on 127.0.0.1:5432, started if stopped,
#     and a role 'archipelago' (password 'archipelago', CREATEDB) for the tests and local stack
#   - ppc64le and s390x static busyboxes (from Debian's busybox-static:ppc64el and :s390x,
#     fetched with a private apt state: adding the dpkg architecture breaks 'apt-get update' on
#     these machines)
#   - binfmt_misc mounted and QEMU registered for ppc64le and s390x, so buildah can run their
#     RUN steps (s390x is the third architecture of the end-to-end test)
#   - root's subordinate IDs (/etc/subuid, /etc/subgid: root:200000:65536), so the tests can run a
#     build pod's container in a user namespace as Kubernetes does with hostUsers: false
#
# Run as root. Environment: ARCHIPELAGO_CACHE (default ~/.cache/archipelago) holds downloads.
set -euo pipefail

CACHE="${ARCHIPELAGO_CACHE:-$HOME/.cache/archipelago}"
PACKAGES=(docker-registry buildah skopeo qemu-user-static busybox-static git curl debootstrap podman podman-compose)
BROWSER_PACKAGES=(chromium chromium-driver fonts-dejavu-core)
PG_VERSION=15

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (apt-get, mount and binfmt registration need it)"

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install -y $* failed"
}

# --- Debian packages -------------------------------------------------------------------
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
missing=()
for pkg in "${BROWSER_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] || apt_install --no-install-recommends "${missing[@]}"

# --- PostgreSQL ------------------------------------------------------------------------
pg_answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_answers; then
  if ! command -v pg_ctlcluster >/dev/null || [ ! -d "/etc/postgresql/$PG_VERSION/main" ]; then
    apt_install "postgresql-$PG_VERSION"
  fi
  log "starting PostgreSQL $PG_VERSION"
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start || true
  for _ in $(seq 1 30); do pg_answers && break; sleep 0.5; done
  pg_answers || die "PostgreSQL does not answer on 127.0.0.1:5432 (see /var/log/postgresql/)"
fi
su postgres -c "psql -v ON_ERROR_STOP=1 -qtAc \"
  DO \\\$\\\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'archipelago') THEN
      CREATE ROLE archipelago LOGIN CREATEDB PASSWORD 'archipelago';
    END IF;
  END \\\$\\\$;\"" >/dev/null || die "cannot create the PostgreSQL role 'archipelago'"
for db in archipelago archipelago_assembler; do   # the dev-mode databases of the dispatcher and the assembler
  if ! su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = '$db'\"" | grep -q 1; then
    su postgres -c "psql -qc 'CREATE DATABASE $db OWNER archipelago'" >/dev/null
  fi
done

# --- foreign static busyboxes for test images -------------------------------------------
fetch_busybox() {   # <debian arch> <platform folder>
  local deb_arch=$1 target="$CACHE/busybox/$2/busybox"
  [ -x "$target" ] && return 0
  log "fetching busybox-static:$deb_arch"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  echo "deb [arch=$deb_arch] $mirror bookworm main" > "$work/sources.list"
  apt_opts=(-o "Dir::State::Lists=$work/lists" -o "Dir::Etc::SourceList=$work/sources.list"
            -o "Dir::Etc::SourceParts=/dev/null" -o "APT::Architectures::=$deb_arch"
            -o "Dir::Cache::Archives=$work/archives" -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update -qq || die "apt-get update of the private $deb_arch list failed"
  (cd "$work" && apt-get "${apt_opts[@]}" download -qq "busybox-static:$deb_arch") \
    || die "apt-get download busybox-static:$deb_arch failed"
  dpkg-deb -x "$work"/busybox-static_*_"$deb_arch".deb "$work/root"
  mkdir -p "$(dirname "$target")"
  install -m 0755 "$work/root/bin/busybox" "$target"
  rm -rf "$work"
  trap - EXIT
}
fetch_busybox ppc64el ppc64le
fetch_busybox s390x s390x
amd_busybox="$CACHE/busybox/amd64/busybox"
if [ ! -x "$amd_busybox" ]; then
  mkdir -p "$(dirname "$amd_busybox")"
  install -m 0755 /bin/busybox "$amd_busybox"
fi

# --- QEMU binfmt for ppc64le and s390x ------------------------------------------------------
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  log "mounting binfmt_misc"
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc"
fi
for qemu in qemu-ppc64le qemu-s390x; do
  if [ ! -e "/proc/sys/fs/binfmt_misc/$qemu" ]; then
    log "registering $qemu"
    grep -v '^#' "/usr/lib/binfmt.d/$qemu.conf" > /proc/sys/fs/binfmt_misc/register \
      || die "cannot register /usr/lib/binfmt.d/$qemu.conf"
  fi
  grep -q '^enabled' "/proc/sys/fs/binfmt_misc/$qemu" || die "$qemu binfmt is registered but disabled"
done

# --- subordinate IDs for user-namespaced build containers ---------------------------------
for file in /etc/subuid /etc/subgid; do
  grep -q '^root:' "$file" 2>/dev/null || echo "root:200000:65536" >> "$file"
done

log "ready: buildah $(buildah --version | awk '{print $3}'), registry, skopeo, qemu-ppc64le and -s390x, PostgreSQL on 127.0.0.1:5432, busybox in $CACHE/busybox"
