/**
 * What goes into the test guest besides binaries: its init script, stand-ins and config files. Every text here
 * is hashed into the build's cache key, so editing one rebuilds the guest.
 */

/** Printed once on ttyS0 when the guest is up (modules loaded, disks mounted, agent started). */
export const GUEST_BOOT_LINE = "hyperx-guest: booted"
/**
 * Written every second on ttyS0 after the boot line, inside a terminal-title sequence (`ESC ] 0 ; … BEL`) that a
 * terminal does not show; N counts up from 1 and lives in guest memory.
 */
export const GUEST_HEARTBEAT = /hyperx-guest: heartbeat (\d+)/

/** The heartbeat counters in a stretch of serial output, in order. */
export const heartbeatsIn = (text: string): ReadonlyArray<number> =>
  [...text.matchAll(new RegExp(GUEST_HEARTBEAT.source, "g"))].map((match) => Number(match[1]))
/** Filesystem label of the system disk; the guest mounts the disk carrying it on /system. */
export const SYSTEM_DISK_LABEL = "hyperx-sys"
/** Kernel command line for direct kernel boot; append `hyperx.*=` options (see README.md). */
export const GUEST_CMDLINE = "console=ttyS0 panic=-1 quiet"
/** Below this the kernel panics while unpacking the initramfs (measured: 80 MiB fails). */
export const GUEST_MIN_MEMORY_MIB = 96
/** Bump when something outside this file changes what the builder produces. */
export const RECIPE_REVISION = 3

/** Modules the guest loads (their dependencies come from modules.dep); absent or built-in ones are skipped. */
export const WANTED_MODULES = [
  "virtio_pci",
  "virtio_blk",
  "virtio_net",
  "virtio_console",
  "virtio_balloon",
  "virtio_scsi",
  "sd_mod",
  "ata_piix",
  "ahci",
  "sr_mod",
  "isofs",
  "ext4",
  "crc32c_generic",
  "button",
  "evdev",
] as const

/**
 * The USB variant's extra modules: host controllers (xhci for QEMU's qemu-xhci, ehci/uhci for older machines), USB
 * mass storage and its SCSI disk. Debian's cloud kernel has no USB at all (CONFIG_USB_SUPPORT is not set); the
 * generic kernel (linux-image-amd64) has them as modules.
 */
export const USB_MODULES = [
  "usbcore",
  "xhci_pci",
  "xhci_hcd",
  "ehci_pci",
  "uhci_hcd",
  "usb_storage",
  "uas",
  "sd_mod",
] as const

/** Build options of the guest variant that sees USB devices (tests of USB hot-plug only; every other test keeps the cloud kernel). */
export const USB_GUEST = { kernelMetapackage: "linux-image-amd64", extraModules: USB_MODULES } as const

const init = `#!/bin/sh
# PID 1 of the hyperx test guest (busybox initramfs).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# on the serial port, and on the screen too, so that a VNC console shows the guest's text
say() { echo "hyperx-guest: $*" > /dev/ttyS0 2>/dev/null; echo "hyperx-guest: $*" > /dev/tty0 2>/dev/null; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/virtio-ports
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

# hyperx.KEY=VALUE on the kernel command line becomes HX_KEY
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    hyperx.*=*)
      key=\${arg%%=*}; key=\${key#hyperx.}
      case "$key" in *[!a-z0-9_]*) continue ;; esac
      eval "HX_$key=\\\${arg#*=}" ;;
  esac
done

while read -r module; do
  insmod "/lib/modules/$module" 2>> /run/modules.log || echo "failed: $module" >> /run/modules.log
done < /etc/hyperx/modules.load

hostname "\${HX_hostname:-hyperx-guest}"
hostname > /etc/hostname
ip link set lo up
for dev in /sys/class/net/eth*; do
  [ -e "$dev" ] || continue
  ifc=\${dev##*/}
  ip link set "$ifc" up
  if [ "$ifc" = eth0 ] && [ -n "$HX_ip" ]; then
    ip addr add "$HX_ip" dev eth0
    [ -n "$HX_gw" ] && ip route add default via "$HX_gw"
    echo static > "/run/net-$ifc"
  else
    udhcpc -f -i "$ifc" -s /etc/hyperx/udhcpc.sh > /dev/null 2>&1 &
    echo $! > "/run/net-$ifc"
  fi
  has_net=1
done
# NICs hot-plugged later get DHCP too; a NIC that goes away takes its udhcpc with it
(
  while sleep 1; do
    for mark in /run/net-eth*; do
      [ -e "$mark" ] || continue
      ifc=\${mark#/run/net-}
      [ -e "/sys/class/net/$ifc" ] && continue
      kill "$(cat "$mark")" 2> /dev/null
      rm -f "$mark"
    done
    for dev in /sys/class/net/eth*; do
      [ -e "$dev" ] || continue
      ifc=\${dev##*/}
      [ -e "/run/net-$ifc" ] && continue
      ip link set "$ifc" up
      udhcpc -f -i "$ifc" -s /etc/hyperx/udhcpc.sh > /dev/null 2>&1 &
      echo $! > "/run/net-$ifc"
    done
  done
) &
if [ -n "$has_net" ]; then
  mkdir -p /run/www
  echo "hyperx-guest $(hostname)" > /run/www/index.html
  httpd -p 80 -h /run/www
  # SSH on port 22: keys from root's authorized_keys (the guest agent writes them), host keys made at the first
  # connection (-R), no login for an account whose password is empty (dropbear's default)
  mkdir -p /etc/dropbear
  dropbear -R -E -p 22 2> /run/dropbear.log
fi

acpid -c /etc/acpi -l /run/acpid.log

for port in /sys/class/virtio-ports/*; do
  [ -e "$port/name" ] && ln -sf "../\${port##*/}" "/dev/virtio-ports/$(cat "$port/name")"
done
if [ -e /dev/virtio-ports/org.qemu.guest_agent.0 ]; then
  mkdir -p /run/qga
  qemu-ga -d -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0 -t /run/qga -l /run/qemu-ga.log -f /run/qemu-ga.pid
fi

# the system disk is found by its label; every other disk (vd*, then sd*) mounts on /data, /data2, ...
system=$(findfs LABEL=${SYSTEM_DISK_LABEL} 2>/dev/null)
boots=0
if [ -n "$system" ] && mkdir -p /system && mount "$system" /system; then
  boots=$(( $(cat /system/boots 2>/dev/null || echo 0) + 1 ))
  echo "$boots" > /system/boots
  sync
fi
count=0
for dev in /dev/vd? /dev/sd?; do
  [ -b "$dev" ] && [ "$dev" != "$system" ] || continue
  count=$((count + 1))
  mnt=/data; [ "$count" -gt 1 ] && mnt=/data$count
  mkdir -p "$mnt"
  mount "$dev" "$mnt" 2> /dev/null && continue
  [ "$HX_mkfs" = 1 ] && mke2fs "$dev" > /dev/null 2>&1 && mount "$dev" "$mnt"
done
[ -b /dev/sr0 ] && mkdir -p /cdrom && mount -r /dev/sr0 /cdrom 2> /dev/null

say "booted version=$(cat /etc/hyperx/version) boots=$boots uptime=$(cut -d' ' -f1 /proc/uptime)"
# The heartbeat goes to the serial port as a terminal-title sequence (OSC 0): its bytes reach the serial log and
# console readers, but a terminal shows none of it between what the user types. Not on the screen: the Linux VT
# does not know OSC 0 and would print it.
( beat=0; while :; do beat=$((beat + 1)); printf '\\033]0;hyperx-guest: heartbeat %s\\007' "$beat" > /dev/ttyS0; sleep 1; done ) &

# a root shell on the screen (tty1, the VT a VNC console shows and types into) as on the serial port
( while :; do setsid sh -c 'exec sh -l <> /dev/tty1 >&0 2>&1'; sleep 1; done ) &
while :; do
  setsid cttyhack sh -l
  sleep 1
done
`

const powerButton = `#!/bin/sh
# busybox acpid runs this for the ACPI power button (QMP system_powerdown)
echo "hyperx-guest: power button, powering off" > /dev/ttyS0 2>/dev/null
sync
umount /data* /system 2> /dev/null
poweroff -f
`

// qemu-ga execs /sbin/shutdown -P|-H|-r +0 "..." for guest-shutdown; busybox-static has no shutdown applet
const shutdown = `#!/bin/sh
echo "hyperx-guest: shutdown $*" > /dev/ttyS0 2>/dev/null
sync
case " $* " in
  *" -r "*) reboot -f ;;
  *" -H "*) halt -f ;;
  *) poweroff -f ;;
esac
`

// qemu-ga pipes "user:password" into chpasswd (with -e when already crypted); busybox-static has no chpasswd applet
const chpasswd = `#!/bin/sh
while IFS= read -r line; do
  user=\${line%%:*}
  secret=\${line#*:}
  if [ "$1" = "-e" ]; then hash=$secret; else hash=$(mkpasswd -m sha512 "$secret") || exit 1; fi
  grep -q "^$user:" /etc/shadow || { echo "chpasswd: unknown user $user" >&2; exit 1; }
  awk -F: -v OFS=: -v user="$user" -v hash="$hash" '$1 == user { $2 = hash } { print }' /etc/shadow > /etc/shadow.new
  mv /etc/shadow.new /etc/shadow
  chmod 600 /etc/shadow
done
`

const udhcpc = `#!/bin/sh
# busybox udhcpc hook: apply the lease
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    for gateway in $router; do ip route replace default via "$gateway" dev "$interface"; break; done
    [ -n "$dns" ] && for server in $dns; do echo "nameserver $server"; done > /etc/resolv.conf ;;
esac
`

export interface RecipeFile {
  readonly path: string
  readonly mode: number
  readonly text: string
}

/** The text files of the guest's root, besides /etc/hyperx/version and /etc/hyperx/modules.load. */
export const recipeFiles: ReadonlyArray<RecipeFile> = [
  { path: "init", mode: 0o755, text: init },
  { path: "etc/acpi/PWRF/00000080", mode: 0o755, text: powerButton },
  { path: "sbin/shutdown", mode: 0o755, text: shutdown },
  { path: "usr/sbin/chpasswd", mode: 0o755, text: chpasswd },
  { path: "etc/hyperx/udhcpc.sh", mode: 0o755, text: udhcpc },
  {
    path: "etc/passwd",
    mode: 0o644,
    text: "root:x:0:0:root:/root:/bin/sh\nhyperx:x:1000:1000:hyperx:/home/hyperx:/bin/sh\n",
  },
  { path: "etc/group", mode: 0o644, text: "root:x:0:\nhyperx:x:1000:\n" },
  { path: "etc/shadow", mode: 0o600, text: "root::19000:0:99999:7:::\nhyperx:!:19000:0:99999:7:::\n" },
  { path: "etc/shells", mode: 0o644, text: "/bin/sh\n" },
  { path: "etc/profile", mode: 0o644, text: 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin\nPS1="$(hostname)# "\n' },
  {
    path: "etc/os-release",
    mode: 0o644,
    text: 'NAME="hyperx guest"\nID=hyperx-guest\nVERSION_ID="1"\nPRETTY_NAME="hyperx test guest (busybox)"\n',
  },
]
