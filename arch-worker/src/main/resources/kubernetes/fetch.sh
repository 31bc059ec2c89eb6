# The fetch init container of a build pod: the pinned commit into /workspace/src, then checks that
# the context folder and the Dockerfile stay inside it. Every value comes from the environment and
# is only ever a quoted argument: nothing from the request is evaluated.
# Exit codes (read by KubernetesExecutor): 10 fetch failed, 11 path escape, 12 path not found.
set -u
src="${ARCHIPELAGO_WORKSPACE:-/workspace}/src"
git init -q "$src" || exit 10
cd "$src" || exit 10
git remote add origin -- "$ARCHIPELAGO_GIT_URL" || exit 10
git fetch -q --depth 1 origin "$ARCHIPELAGO_COMMIT" || exit 10
git -c advice.detachedHead=false checkout -q FETCH_HEAD || exit 10
src=$(pwd -P)
# readlink -f is in busybox and coreutils alike: resolve symbolic links, then check where they lead
context=$(readlink -f "$src/$ARCHIPELAGO_CONTEXT_DIR")
if [ -z "$context" ] || [ ! -d "$context" ]; then
  echo "the context folder $ARCHIPELAGO_CONTEXT_DIR does not exist at $ARCHIPELAGO_COMMIT" >&2; exit 12
fi
case "$context/" in "$src"/*) ;; *) echo "the context folder $ARCHIPELAGO_CONTEXT_DIR leads out of the repository" >&2; exit 11 ;; esac
dockerfile=$(readlink -f "$src/$ARCHIPELAGO_DOCKERFILE")
case "$dockerfile" in "$src"/*) ;; *) echo "$ARCHIPELAGO_DOCKERFILE leads out of the repository" >&2; exit 11 ;; esac
if [ ! -f "$dockerfile" ]; then
  echo "$ARCHIPELAGO_DOCKERFILE does not exist at $ARCHIPELAGO_COMMIT" >&2; exit 12
fi
echo "fetched $ARCHIPELAGO_COMMIT"
