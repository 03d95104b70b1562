#!/usr/bin/env bash
# #17 item 5: can two libvirt daemons on this one machine live-migrate a guest between them? Each daemon runs in its
# own mount namespace (its own /run/libvirt, /var/lib/libvirt, /etc/libvirt, /var/log/libvirt, /var/cache/libvirt
# bound from a folder under $ROOT) with its own host_uuid, its socket in $ROOT/<n>/sock, its own virtlogd and pid
# files: the machine's libvirtd (the one the tests use) is neither stopped nor reconfigured nor asked anything.
# A tiny guest (kernel + initrd, no disk: memory only) is defined and started on daemon 1, migrated live to daemon 2
# (`virsh migrate --live`, the client driving both ends), and checked running there and gone from daemon 1.
# Usage (root): bash plugins/libvirt/two-daemons.sh KERNEL INITRD   → prints what happened; cleans up after itself.
set -euo pipefail
KERNEL=${1:?kernel}
INITRD=${2:?initrd}
ROOT=$(mktemp -d /tmp/hx-lv2d-XXXX)
DOMAIN=hx-two-daemons
uri() { echo "qemu:///system?socket=$ROOT/$1/sock/libvirt-sock"; }

start_daemon() {
  local n=$1 dir=$ROOT/$1
  mkdir -p "$dir"/{run,lib,etc,log,cache,sock}
  cp -a /etc/libvirt/. "$dir/etc/"
  {
    echo "host_uuid = \"$(cat /proc/sys/kernel/random/uuid)\""
    echo "unix_sock_dir = \"$dir/sock\""
  } >> "$dir/etc/libvirtd.conf"
  unshare -m --propagation private sh -c "
    mount --bind $dir/run /run/libvirt && mount --bind $dir/lib /var/lib/libvirt &&
    mount --bind $dir/etc /etc/libvirt && mount --bind $dir/log /var/log/libvirt &&
    mount --bind $dir/cache /var/cache/libvirt &&
    virtlogd -d --pid-file $dir/virtlogd.pid && libvirtd -d --pid-file $dir/libvirtd.pid"
  for _ in $(seq 1 120); do
    virsh -c "$(uri "$n")" version > /dev/null 2>&1 && return 0
    sleep 1
  done
  echo "daemon $n did not answer"; return 1
}

stop_daemon() {
  local dir=$ROOT/$1
  for f in "$dir/libvirtd.pid" "$dir/virtlogd.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2> /dev/null || true
  done
}

cleanup() {
  for n in 1 2; do virsh -c "$(uri $n)" destroy $DOMAIN > /dev/null 2>&1 || true; done
  stop_daemon 1; stop_daemon 2
  sleep 1
  rm -rf "$ROOT"
}
trap cleanup EXIT

start_daemon 1
start_daemon 2
echo "host UUIDs: $(grep "^host_uuid" "$ROOT"/1/etc/libvirtd.conf) / $(grep "^host_uuid" "$ROOT"/2/etc/libvirtd.conf)"
cat > "$ROOT/domain.xml" <<XML
<domain type='qemu'>
  <name>$DOMAIN</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>$KERNEL</kernel><initrd>$INITRD</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline></os>
  <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>
  <devices><serial type='pty'/><console type='pty'/></devices>
</domain>
XML
virsh -c "$(uri 1)" create "$ROOT/domain.xml"
sleep 5
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
START=$(date +%s%N)
virsh -c "$(uri 1)" migrate --live --verbose $DOMAIN "$(uri 2)" "tcp://127.0.0.1:$PORT"
END=$(date +%s%N)
echo "migrate took $(( (END - START) / 1000000 )) ms"
echo "daemon 2: $(virsh -c "$(uri 2)" domstate $DOMAIN)"
echo "daemon 1: $(virsh -c "$(uri 1)" list --all --name | grep -c $DOMAIN || true) domain(s) named $DOMAIN"
