#!/usr/bin/env bash
# Start libvirt without systemd (CI, containers): the log daemon, then libvirtd, then wait until it answers.
set -euo pipefail
uri=qemu:///system
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x libvirtd >/dev/null || libvirtd -d
for _ in $(seq 1 60); do
  virsh -c "$uri" version >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "libvirtd did not answer on $uri" >&2
exit 1
