#!/usr/bin/env bash
# Builds the image with whatever builder this machine has: docker (BuildKit reads
# deploy/Dockerfile.dockerignore), podman, or buildah; exits non-zero, saying so, when none is
# installed or its daemon is not running. The context is the repo root.
# Usage: deploy/build_image.sh [IMAGE]      (make image IMAGE=registry/bookingplatform:tag)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
image="${1:-bookingplatform:dev}"
build=(-f "$here/Dockerfile" -t "$image" "$root")

if command -v docker >/dev/null; then
  if docker info >/dev/null 2>&1; then
    echo "image: docker build -t $image"
    DOCKER_BUILDKIT=1 exec docker build "${build[@]}"
  fi
  echo "image: docker is installed but its daemon is not reachable (docker info failed); trying podman, buildah" >&2
fi
if command -v podman >/dev/null; then
  echo "image: podman build -t $image"
  # --ignorefile: the ignore file next to the Dockerfile, named explicitly (see deploy/README.md).
  exec podman build --ignorefile "$here/Dockerfile.dockerignore" "${build[@]}"
fi
if command -v buildah >/dev/null; then
  echo "image: buildah build -t $image"
  exec buildah build --ignorefile "$here/Dockerfile.dockerignore" "${build[@]}"
fi
echo "image: no image builder here: install docker (with its daemon running), podman or buildah." >&2
echo "image: deploy/check.sh still checks the Dockerfile's steps without one (deploy/check_image.py)." >&2
exit 1
