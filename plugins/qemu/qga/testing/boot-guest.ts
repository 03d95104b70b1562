import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schedule, type Scope } from "effect"
import type { GuestManifest } from "../../guest/manifest.ts"
import { GUEST_BOOT_LINE } from "../../guest/recipe.ts"
import { startTestQemu, type TestQemu } from "../../qmp/testing/qemu-process.ts"

export interface BootedGuest {
  readonly qemu: TestQemu
  readonly qgaPath: string
  /** The serial console so far. */
  readonly serial: () => string
}

/**
 * Boots the tiny test guest (plugins/qemu/guest) under TCG on q35: a qcow2 overlay of its system disk on
 * virtio-blk (node "sys"), the guest agent on a virtio-serial port, a free PCIe root port "rp1" for hotplug, and
 * the serial console logged to a file. Returns once the guest printed its boot line.
 */
export const bootTestGuest = (manifest: GuestManifest): Effect.Effect<BootedGuest, Error, Scope.Scope> =>
  Effect.gen(function* () {
    const qemu = yield* startTestQemu({
      paused: false,
      memoryMiB: 128,
      prepare: (dir) =>
        execFileSync("qemu-img", [
          ...["create", "-q", "-f", "qcow2", "-b", manifest.systemDisk, "-F", "qcow2", join(dir, "system.qcow2")],
        ]),
      args: (dir) => [
        ...["-kernel", manifest.kernel, "-initrd", manifest.initrd, "-append", manifest.cmdline],
        ...["-blockdev", `driver=qcow2,node-name=sys,file.driver=file,file.filename=${join(dir, "system.qcow2")}`],
        ...["-device", "virtio-blk-pci,drive=sys,id=vda"],
        ...["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1"],
        ...["-chardev", `socket,id=serial0,path=${join(dir, "serial.sock")},server=on,wait=off,logfile=${logOf(dir)}`],
        ...["-serial", "chardev:serial0", "-device", "virtio-serial-pci,id=vser0"],
        ...["-chardev", `socket,id=qga0,path=${join(dir, "qga.sock")},server=on,wait=off`],
        ...["-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0"],
      ],
    })
    const serial = () => (existsSync(logOf(qemu.dir)) ? readFileSync(logOf(qemu.dir), "utf8") : "")
    yield* Effect.suspend(() =>
      serial().includes(GUEST_BOOT_LINE) ? Effect.void : Effect.fail(new Error("not booted yet")),
    ).pipe(
      Effect.retry(Schedule.spaced("100 millis")),
      Effect.timeoutOrElse({
        duration: 90_000,
        orElse: () => Effect.fail(new Error(`guest did not boot: ${serial().slice(-400)} ${qemu.output()}`)),
      }),
    )
    return { qemu, qgaPath: join(qemu.dir, "qga.sock"), serial }
  })

const logOf = (dir: string) => join(dir, "serial.log")
