#!/usr/bin/env bash
# Start libvirt without systemd (CI, containers): the log daemon, then libvirtd, then wait until it answers.
set -euo pipefail
uri=qemu:///system
# libvirt keeps re-probing QEMU (and define hangs) when /dev/kvm is root-only; 0660 root:kvm is what udev sets
# on an ordinary Debian host. Domains still run as type qemu (TCG) where KVM does not really work.
if [ -e /dev/kvm ] && getent group kvm >/dev/null; then chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; fi
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x libvirtd >/dev/null || libvirtd -d
for _ in $(seq 1 60); do
  virsh -c "$uri" version >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "libvirtd did not answer on $uri" >&2
exit 1
