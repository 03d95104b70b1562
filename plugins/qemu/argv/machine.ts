import type { VmSpec } from "../../../core/driver/spec.ts"
import { keyValues, type QemuOption } from "./options.ts"
import type { QemuRuntime, RuntimePaths } from "./runtime.ts"

/**
 * Machine type: "pc" (i440fx). Everything the lab proved (virtio hotplug on pci.0 without root ports, ide-cd on
 * the built-in PIIX IDE that the cloud guest kernel drives with ata_piix, which has no AHCI) runs on it; q35
 * would need pre-made pcie-root-ports for every hotplug and an AHCI driver for the CD-ROM.
 */
export const MACHINE_TYPE = "pc"

/** vCPU topology: sockets × cores × 1 thread slots, of which `cpus` are present at boot (the rest hotpluggable). */
export const topology = (spec: VmSpec) => ({
  cpus: spec.cpus,
  sockets: spec.sockets,
  cores: spec.coresPerSocket,
  threads: 1,
  maxcpus: spec.sockets * spec.coresPerSocket,
})

export const machineOptions = (spec: VmSpec, runtime: QemuRuntime, paths: RuntimePaths): ReadonlyArray<QemuOption> => {
  const smp = topology(spec)
  return [
    // debug-threads names vCPU threads ("CPU 0/TCG") so metrics can find them in /proc
    ["-name", keyValues(spec.name, [["debug-threads", true]])],
    ["-uuid", spec.uuid],
    ["-pidfile", paths.pidfile],
    ["-machine", MACHINE_TYPE],
    ["-accel", keyValues(runtime.accel, [["tb-size", runtime.accel === "tcg" ? runtime.tcgTbSizeMiB : undefined]])],
    // kvm: the host's CPU; tcg: the plain model the lab measured (and a stable one for migration)
    ["-cpu", runtime.accel === "kvm" ? "host" : "qemu64"],
    [
      "-smp",
      keyValues(undefined, [
        ["cpus", smp.cpus],
        ["sockets", smp.sockets],
        ["cores", smp.cores],
        ["threads", smp.threads],
        ["maxcpus", smp.maxcpus],
      ]),
    ],
    ["-m", String(spec.memoryMiB)],
    ["-nodefaults"],
    ["-no-user-config"],
    ["-display", "none"],
    ["-rtc", "base=utc"],
    ...(runtime.keepAliveOnShutdown === true ? [["-no-shutdown"] as const] : []),
  ]
}

/** Direct kernel boot, or the BIOS boots the disks by bootindex (strict: nothing else, no network boot). */
export const bootOptions = (spec: VmSpec): ReadonlyArray<QemuOption> =>
  spec.boot.kind === "kernel"
    ? [
        ["-kernel", spec.boot.kernel],
        ["-initrd", spec.boot.initrd],
        ["-append", spec.boot.cmdline],
      ]
    : [["-boot", "menu=off,strict=on"]]
