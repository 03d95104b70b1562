import { Effect } from "effect"
import { DriverError, InvalidRequest } from "../../../core/driver/errors.ts"
import type { DiskSpec, VmSpec } from "../../../core/driver/spec.ts"
import { topology } from "../../qemu/argv/machine.ts"
import { orderedDisks } from "../../qemu/argv/storage.ts"
import {
  agentChannelElement,
  balloonElement,
  cdromElement,
  diskElement,
  displayElements,
  hostDeviceElement,
  nicElement,
  serialElement,
} from "./devices.ts"
import { targetName, targetPrefix } from "./names.ts"
import { type DomainXmlOptions, MANAGED_TITLE } from "./options.ts"
import { domainXmlProblems } from "./validate.ts"
import { el, renderXml, textEl, type XmlElement } from "./xml.ts"

/** Machine "pc" (i440fx), for the QEMU driver's reasons: virtio hotplug on pci.0 and the CD-ROM on PIIX IDE. */
export const MACHINE_TYPE = "pc"

/** Disks in guest order (system first) with their targets: virtio vda, vdb, …; SCSI and SATA share sda, sdb, …. */
export const diskTargets = (spec: VmSpec): ReadonlyArray<{ readonly disk: DiskSpec; readonly target: string }> => {
  const used = new Map<string, number>()
  return orderedDisks(spec).map((disk) => {
    const prefix = targetPrefix(disk.bus)
    const index = used.get(prefix) ?? 0
    used.set(prefix, index + 1)
    return { disk, target: targetName(prefix, index) }
  })
}

const osElement = (spec: VmSpec) =>
  el(
    "os",
    {},
    textEl("type", "hvm", { arch: "x86_64", machine: MACHINE_TYPE }),
    spec.boot.kind === "kernel" && [
      textEl("kernel", spec.boot.kernel),
      textEl("initrd", spec.boot.initrd),
      textEl("cmdline", spec.boot.cmdline),
    ],
    spec.boot.kind === "disk" && el("bootmenu", { enable: "no" }),
  )

/** vCPUs: sockets × cores slots, `cpus` of them online (the rest hotpluggable). kvm: the host's CPU; TCG: qemu64. */
const cpuElements = (spec: VmSpec, options: DomainXmlOptions) => {
  const smp = topology(spec)
  const shape = el("topology", { sockets: smp.sockets, dies: 1, cores: smp.cores, threads: smp.threads })
  return [
    textEl("vcpu", smp.maxcpus, { placement: "static", current: smp.cpus === smp.maxcpus ? undefined : smp.cpus }),
    options.domainType === "kvm"
      ? el("cpu", { mode: "host-passthrough", check: "none", migratable: "on" }, shape)
      : el(
          "cpu",
          { mode: "custom", match: "exact", check: "none" },
          textEl("model", "qemu64", { fallback: "forbid" }),
          shape,
        ),
  ]
}

const featuresElement = (options: DomainXmlOptions) =>
  el(
    "features",
    {},
    el("acpi"),
    options.domainType === "qemu" &&
      options.tcgTbCacheMiB !== undefined &&
      el("tcg", {}, textEl("tb-cache", options.tcgTbCacheMiB, { unit: "MiB" })),
  )

const controllerElements = (spec: VmSpec): ReadonlyArray<XmlElement> => [
  el("controller", { type: "usb", index: 0, model: "qemu-xhci" }),
  ...(spec.disks.some((disk) => disk.bus === "scsi")
    ? [el("controller", { type: "scsi", index: 0, model: "virtio-scsi" })]
    : []),
  ...(spec.disks.some((disk) => disk.bus === "sata") ? [el("controller", { type: "sata", index: 0 })] : []),
]

/** The domain as an element tree, for callers that want to add to it. */
export const domainElement = (spec: VmSpec, options: DomainXmlOptions): XmlElement =>
  el(
    "domain",
    { type: options.domainType },
    textEl("name", spec.name),
    textEl("uuid", spec.uuid),
    textEl("title", MANAGED_TITLE),
    textEl("memory", spec.memoryMiB, { unit: "MiB" }),
    textEl("currentMemory", spec.memoryMiB, { unit: "MiB" }),
    cpuElements(spec, options),
    osElement(spec),
    featuresElement(options),
    el("clock", { offset: "utc" }),
    // a guest power-off ends QEMU, so "shut off" is the one truth for stopped, as under the QEMU driver
    textEl("on_poweroff", "destroy"),
    textEl("on_reboot", "restart"),
    textEl("on_crash", "destroy"),
    el(
      "devices",
      {},
      options.emulator !== undefined && textEl("emulator", options.emulator),
      controllerElements(spec),
      diskTargets(spec).map(({ disk, target }) => diskElement(disk, target)),
      cdromElement(spec.cdrom),
      spec.nics.map(nicElement),
      spec.devices.map(hostDeviceElement),
      serialElement(spec, options),
      spec.guestAgent && agentChannelElement(),
      spec.vnc ? displayElements(options) : el("video", {}, el("model", { type: "none" })),
      balloonElement(),
    ),
  )

/**
 * The libvirt domain XML for `spec` on this host. Pure; it assumes `domainXmlProblems` found nothing (use
 * `domainXmlFor` to get both).
 */
export const domainXml = (spec: VmSpec, options: DomainXmlOptions): string => renderXml(domainElement(spec, options))

/** Checks, then builds: a spec libvirt cannot express fails as the driver's InvalidRequest. */
export const domainXmlFor = (spec: VmSpec, options: DomainXmlOptions, driver = "libvirt") => {
  const problems = domainXmlProblems(spec, options)
  return problems.length === 0
    ? Effect.succeed(domainXml(spec, options))
    : Effect.fail(
        new DriverError({
          driver,
          operation: "domainXml",
          reason: new InvalidRequest({ message: problems.join("; ") }),
        }),
      )
}
