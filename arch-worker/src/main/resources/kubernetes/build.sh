# The build container of a build pod: buildah build, check the image config's platform and the
# ELF header of every executable in the image, push with retries; the pushed digest and the number
# of executables checked go to the termination message. Every value comes from the environment
# and is only ever a quoted argument: nothing from the request is evaluated.
# ARCHIPELAGO_BUILD_ARGS and ARCHIPELAGO_LABELS hold one NAME=value per line (the dispatcher
# refuses control characters in them), each becoming one argument. ARCHIPELAGO_ELF is the ELF
# class, data encoding and machine the platform's executables have ("2 1 21" for ppc64le).
# Exit codes (read by KubernetesExecutor): 20 build failed, 30 platform mismatch, 40 push failed,
# 41 push refused (credentials).
set -u
workspace="${ARCHIPELAGO_WORKSPACE:-/workspace}"
src="$workspace/src"
image=localhost/archipelago-build:latest
storage="--storage-driver=vfs"
set --
while IFS= read -r line; do
  [ -n "$line" ] && set -- "$@" --build-arg "$line"
done <<ARGS
$ARCHIPELAGO_BUILD_ARGS
ARGS
while IFS= read -r line; do
  [ -n "$line" ] && set -- "$@" --label "$line"
done <<LABELS
$ARCHIPELAGO_LABELS
LABELS
buildah "$storage" build --isolation chroot --platform "$ARCHIPELAGO_PLATFORM" --format "$ARCHIPELAGO_FORMAT" \
  --tls-verify="$ARCHIPELAGO_TLS_VERIFY" -f "$src/$ARCHIPELAGO_DOCKERFILE" -t "$image" "$@" "$src/$ARCHIPELAGO_CONTEXT_DIR" || exit 20
actual=$(buildah "$storage" inspect --type image \
  --format '{{.OCIv1.OS}}/{{.OCIv1.Architecture}}{{if .OCIv1.Variant}}/{{.OCIv1.Variant}}{{end}}' "$image") || exit 20
termination="${ARCHIPELAGO_DIGEST_FILE:-/dev/termination-log}"
if [ "$actual" != "$ARCHIPELAGO_PLATFORM" ]; then
  echo "the image config says $actual, not $ARCHIPELAGO_PLATFORM" | tee "$termination" >&2
  exit 30
fi
# Every regular file of the image's root file system (not /proc, /sys, /dev) whose first bytes
# are an ELF header, up to ARCHIPELAGO_VERIFY_MAX_FILES of them: "ok", or "foreign <class> <data>
# <machine> <path>". DAC_READ_SEARCH lets it read files that only their owner may (a folder of
# mode 700 hides nothing).
elf_check='
root=$1; shift
for f do
  h=$(od -An -tu1 -N20 -v "$f") || continue
  set -- $h
  [ $# -eq 20 ] && [ "$1" = 127 ] && [ "$2" = 69 ] && [ "$3" = 76 ] && [ "$4" = 70 ] || continue
  if [ "$6" = 2 ]; then machine=$(( ${19} * 256 + ${20} )); else machine=$(( ${20} * 256 + ${19} )); fi
  if [ "$5 $6 $machine" = "$ARCHIPELAGO_ELF" ]; then echo ok; else echo "foreign $5 $6 $machine ${f#"$root"}"; fi
done'
container=$(buildah "$storage" from --pull-never "$image") || exit 20
root=$(buildah "$storage" mount "$container") || exit 20
find "$root" -xdev \( -path "$root/proc" -o -path "$root/sys" -o -path "$root/dev" \) -prune -o -type f -size +19c \
  -exec sh -c "$elf_check" elf-check "$root" {} + 2>"$workspace/elf.err" | head -n "$ARCHIPELAGO_VERIFY_MAX_FILES" > "$workspace/elf.txt"
buildah "$storage" umount "$container" >/dev/null
buildah "$storage" rm "$container" >/dev/null
if [ -s "$workspace/elf.err" ]; then
  # what cannot be read cannot be checked: no push
  echo "could not read every file of the image to check its executables: $(head -n 1 "$workspace/elf.err" | sed "s|$root||g")" \
    | tee "$termination" >&2
  exit 30
fi
checked=$(grep -c . "$workspace/elf.txt")
if grep -q '^foreign' "$workspace/elf.txt"; then
  foreign=$(grep '^foreign' "$workspace/elf.txt" | head -n 5 | while read -r _ class data machine path; do
    case "$machine" in
      3) name=x86 ;; 62) name=x86-64 ;; 40) name=ARM ;; 183) name=AArch64 ;; 22) name="IBM S/390" ;; 243) name=RISC-V ;;
      21) if [ "$data" = 1 ]; then name="PowerPC64 little-endian"; else name="PowerPC64 big-endian"; fi ;;
      *) name="machine $machine" ;;
    esac
    if [ "$class" = 2 ]; then bits=64-bit; else bits=32-bit; fi
    printf '%s (%s %s), ' "$path" "$name" "$bits"
  done)
  echo "the image claims $ARCHIPELAGO_PLATFORM but holds executables for another machine: ${foreign%, }" | tee "$termination" >&2
  exit 30
fi
echo "checked the ELF header of $checked executables: all for $ARCHIPELAGO_PLATFORM"
# the push is tried again with waits of 1, 2, 4 ... 10 s until ARCHIPELAGO_PUSH_RETRY_SECONDS have passed
started=$(date +%s)
pause=1
while :; do
  if buildah "$storage" push --format "$ARCHIPELAGO_FORMAT" --tls-verify="$ARCHIPELAGO_TLS_VERIFY" \
      --digestfile "$workspace/digest" "$image" "docker://$ARCHIPELAGO_TARGET" 2>"$workspace/push.err"; then
    echo "pushed $ARCHIPELAGO_TARGET"
    printf '%s\nexecutables-checked=%s\n' "$(cat "$workspace/digest")" "$checked" > "$termination"
    exit 0
  fi
  cat "$workspace/push.err" >&2
  if grep -qiE 'unauthorized|authentication required|denied: |access to the resource is denied' "$workspace/push.err"; then exit 41; fi
  [ $(($(date +%s) - started)) -ge "$ARCHIPELAGO_PUSH_RETRY_SECONDS" ] && exit 40
  sleep "$pause"
  pause=$((pause * 2))
  [ "$pause" -gt 10 ] && pause=10
done
