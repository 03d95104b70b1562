/**
 * Test-only: an emulated USB stick for the USB variant of the test guest (USB_GUEST), and the guest-side shell checks
 * that see it, shared by the QEMU and libvirt tests.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** QEMU's usb-storage introduces itself as vendor 46f4, product 0001, "QEMU USB HARDDRIVE". */
export const USB_STICK = "46f4:0001 QEMU USB HARDDRIVE"
export const USB_STICK_LABEL = "HXSTICK"
export const USB_STICK_TEXT = "hello from the usb stick"

/** lsusb's view, from sysfs (busybox has no lsusb): "vendor:product product-name" per device, root hubs included. */
export const GUEST_USB_DEVICES =
  'for d in /sys/bus/usb/devices/*; do [ -f "$d/idVendor" ] && echo "$(cat $d/idVendor):$(cat $d/idProduct) $(cat $d/product 2>/dev/null)"; done; true'

/** The SCSI disks whose sysfs path runs through the USB bus. */
export const GUEST_USB_DISKS =
  'for b in /sys/block/sd*; do readlink -f "$b" | grep -q /usb && basename "$b"; done; true'

/** Mounts the disk read-only, prints the stick's file, unmounts. */
export const readStick = (disk: string) =>
  `mkdir -p /mnt/stick && mount -r /dev/${disk} /mnt/stick && cat /mnt/stick/hello.txt && umount /mnt/stick`

/** A 16 MiB raw image in `dir` holding an ext4 filesystem labelled USB_STICK_LABEL with hello.txt; its path. */
export const makeStickImage = (dir: string): string => {
  const files = join(dir, "stick")
  mkdirSync(files)
  writeFileSync(join(files, "hello.txt"), `${USB_STICK_TEXT}\n`)
  const image = join(dir, "stick.raw")
  execFileSync("mkfs.ext4", ["-q", "-F", "-L", USB_STICK_LABEL, "-d", files, image, "16M"])
  // libvirt hands the file to QEMU's own user
  chmodSync(image, 0o666)
  return image
}
