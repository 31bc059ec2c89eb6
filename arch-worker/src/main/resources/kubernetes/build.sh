# The build container of a build pod: buildah build, check the image config's platform, push with
# retries; the pushed digest goes to the termination message. Every value comes from the
# environment and is only ever a quoted argument: nothing from the request is evaluated.
# ARCHIPELAGO_BUILD_ARGS and ARCHIPELAGO_LABELS hold one NAME=value per line (the dispatcher
# refuses control characters in them), each becoming one argument.
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
if [ "$actual" != "$ARCHIPELAGO_PLATFORM" ]; then
  echo "the image config says $actual, not $ARCHIPELAGO_PLATFORM" >&2
  exit 30
fi
# the push is tried again with waits of 1, 2, 4 ... 10 s until ARCHIPELAGO_PUSH_RETRY_SECONDS have passed
started=$(date +%s)
pause=1
while :; do
  if buildah "$storage" push --format "$ARCHIPELAGO_FORMAT" --tls-verify="$ARCHIPELAGO_TLS_VERIFY" \
      --digestfile "${ARCHIPELAGO_DIGEST_FILE:-/dev/termination-log}" "$image" "docker://$ARCHIPELAGO_TARGET" 2>"$workspace/push.err"; then
    echo "pushed $ARCHIPELAGO_TARGET"
    exit 0
  fi
  cat "$workspace/push.err" >&2
  if grep -qiE 'unauthorized|authentication required|denied' "$workspace/push.err"; then exit 41; fi
  [ $(($(date +%s) - started)) -ge "$ARCHIPELAGO_PUSH_RETRY_SECONDS" ] && exit 40
  sleep "$pause"
  pause=$((pause * 2))
  [ "$pause" -gt 10 ] && pause=10
done
