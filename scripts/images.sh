#!/usr/bin/env bash
# Archipelago's own images, built by Archipelago (docs/images.md): build-dispatcher,
# manifest-assembler and arch-worker, each one image index for linux/amd64 and linux/ppc64le.
#
#   scripts/images.sh [--push REGISTRY] [--tls-verify=false] [--base IMAGE] [--version V]
#                     [--signing-key FILE]
#
# It sets up the machine, builds the jars, starts a stack of its own on free loopback ports, and
# sends each service's module folder through `archipelago build` to that stack: the amd64 worker
# builds natively, the ppc64le worker under QEMU. Each index is checked (both platforms, each
# child's config names its platform; the workers have checked every ELF file), then
#   --push REGISTRY       copied with all its platforms to REGISTRY/archipelago/<service>:<version>
#                         (skopeo copy --all, digests unchanged; credentials from your containers
#                         auth.json, as `podman login` or `skopeo login` wrote it), with the
#                         provenance, SBOMs and signatures beside them (docs/supply-chain.md)
#   (no --push)           this machine's platform is loaded into the local containers storage as
#                         localhost/archipelago/<service>:<version>, for podman and podman-compose
# --tls-verify=false      for a registry on plain HTTP
# --base IMAGE            build on IMAGE (multi-arch, reachable by the workers) instead of the
#                         Containerfiles' defaults (UBI 9); where their registry cannot be reached
#                         the base is made from Debian packages, cached in ARCHIPELAGO_CACHE/bases
# --version V             the tag (default: the project's version)
# --signing-key FILE      sign with this ECDSA P-256 key (PEM); without it, a key is made for the
#                         run and its public half printed
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
export ARCHIPELAGO_STACK_HOME="${ARCHIPELAGO_IMAGES_HOME:-$PWD/.local-stack-images}"
exec bash scripts/run-local.sh images --version "$version" "$@"
