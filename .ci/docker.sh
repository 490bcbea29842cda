#!/usr/bin/env bash
# Starts what the container tests use, when it is not running already: the Docker engine (vfs storage, no
# iptables, no bridge: containers use the host's network) and a local image registry on 127.0.0.1:5000 without
# auth, with its own config and storage. Needs Debian's docker.io and docker-registry (.ci/run installs them).
set -euo pipefail

if ! docker info >/dev/null 2>&1; then
  mkdir -p /var/log/slipway-ci
  nohup dockerd --storage-driver vfs --iptables=false --bridge=none >/var/log/slipway-ci/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 40 /var/log/slipway-ci/dockerd.log >&2; echo "dockerd did not start" >&2; exit 1; }
fi
echo "docker engine: $(docker version --format '{{.Server.Version}}')"

if ! curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then
  dir=/var/lib/slipway-ci-registry
  mkdir -p "$dir/storage"
  cat >"$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
CONFIG
  nohup docker-registry serve "$dir/config.yml" >/var/log/slipway-ci-registry.log 2>&1 &
  for _ in $(seq 1 30); do curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS http://127.0.0.1:5000/v2/ >/dev/null || { tail -n 40 /var/log/slipway-ci-registry.log >&2; echo "the registry did not start" >&2; exit 1; }
fi
echo "registry: http://127.0.0.1:5000 (no auth)"
