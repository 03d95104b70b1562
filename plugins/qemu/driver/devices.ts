import { isDeepStrictEqual } from "node:util"
import { Effect, Schema } from "effect"
import type { DriverError } from "../../../core/driver/errors.ts"
import { DeviceSpec, DiskSpec, NicSpec, type VmSpec } from "../../../core/driver/spec.ts"
import { usbHostProperties } from "../argv/devices.ts"
import { CDROM_NAMES, diskNames, hostDeviceId, nicNames } from "../argv/names.ts"
import { argvProblems } from "../argv/validate.ts"
import { blockdevAdd, blockdevDel } from "../qmp/commands/block.ts"
import { deleteDevice, deviceAdd } from "../qmp/commands/devices.ts"
import { blockdevChangeMedium, eject } from "../qmp/commands/media.ts"
import type { QmpError } from "../qmp/errors.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"
import type { Domain, Domains } from "./domains.ts"
import { netdevArguments } from "./netdev.ts"
import { withUndo } from "./undo.ts"
import { plugUsb, unlessGone, unplugUsb } from "./usb-hotplug.ts"

/**
 * Disks, NICs and the CD-ROM, hot (running: QMP, then the definition) or cold (the definition only, used at the next
 * start). Attaching what is attached already (same spec) and detaching what is not there succeed. A hot-plug that
 * fails half-way takes back the steps it made.
 */
export const makeDevices = (domains: Domains) => {
  const { errors, settings } = domains

  /** Runs `change` under the lock with the monitor of a running domain (undefined when stopped), then saves `spec`. */
  const changeDomain = (
    operation: string,
    name: string,
    plan: (
      domain: Domain,
    ) => Effect.Effect<
      { readonly spec: VmSpec; readonly hot?: (monitor: QmpMonitor) => Effect.Effect<void, QmpError> } | undefined,
      DriverError
    >,
  ) =>
    domains.exclusive(name)(
      Effect.gen(function* () {
        const domain = yield* domains.get(operation, name)
        const change = yield* plan(domain)
        if (!change) return
        const problems = argvProblems(change.spec, settings.runtimeFor(name))
        if (problems.length > 0) return yield* errors.invalid(operation, problems.join("; "))
        const session = yield* domains.live(domain)
        if (session && change.hot) {
          const monitor = yield* session.monitor(operation)
          yield* change.hot(monitor).pipe(Effect.mapError(errors.fromQmp(operation)))
        }
        yield* domains.updateSpec(operation, domain, change.spec)
      }),
    )

  const decode = <A>(schema: Schema.Decoder<A>, operation: string, input: unknown) =>
    Schema.decodeUnknownEffect(schema)(input).pipe(
      Effect.mapError((issue) => errors.invalid(operation, `invalid argument: ${issue.message}`)),
    )

  const attachDisk = Effect.fn("QemuDriver.disks.attach")(function* (name: string, input: DiskSpec) {
    const disk = yield* decode(DiskSpec, "disks.attach", input)
    yield* changeDomain("disks.attach", name, (domain) => {
      const spec = domain.definition.spec
      const existing = spec.disks.find((other) => other.id === disk.id)
      if (existing && isDeepStrictEqual(existing, disk)) return Effect.succeed(undefined)
      if (existing)
        return Effect.fail(errors.invalid("disks.attach", `${name} already has a different disk ${disk.id}`))
      const samePath = spec.disks.find((other) => other.path === disk.path)
      if (samePath)
        return Effect.fail(errors.invalid("disks.attach", `${disk.path} is already ${name}'s ${samePath.id}`))
      if (domain.session && !domain.session.isGone() && disk.bus !== "virtio") {
        return Effect.fail(errors.invalid("disks.attach", `a ${disk.bus} disk cannot be hot-plugged; use virtio`))
      }
      const names = diskNames(disk.id)
      const hot = (monitor: QmpMonitor) =>
        withUndo((onUndo) =>
          Effect.gen(function* () {
            // Two nodes, as the command line makes them, so that a detach finds the same names either way.
            yield* blockdevAdd(monitor, {
              driver: "file",
              "node-name": names.fileNode,
              filename: disk.path,
              "read-only": disk.readonly,
            })
            yield* onUndo(blockdevDel(monitor, names.fileNode))
            yield* blockdevAdd(monitor, {
              driver: disk.format,
              "node-name": names.node,
              file: names.fileNode,
              "read-only": disk.readonly,
            })
            yield* onUndo(blockdevDel(monitor, names.node))
            yield* deviceAdd(monitor, {
              driver: "virtio-blk-pci",
              id: names.device,
              drive: names.node,
              serial: names.serial,
            })
          }),
        )
      return Effect.succeed({ spec: { ...spec, disks: [...spec.disks, disk] }, hot })
    })
  })

  const detachDisk = Effect.fn("QemuDriver.disks.detach")(function* (name: string, diskId: string) {
    yield* changeDomain("disks.detach", name, (domain) => {
      const spec = domain.definition.spec
      if (!spec.disks.some((disk) => disk.id === diskId)) return Effect.succeed(undefined)
      const names = diskNames(diskId)
      // The device goes first (on the guest's acknowledgement), then the nodes it held.
      const hot = (monitor: QmpMonitor) =>
        Effect.gen(function* () {
          yield* unlessGone(deleteDevice(monitor, names.device))
          yield* unlessGone(blockdevDel(monitor, names.node))
          yield* unlessGone(blockdevDel(monitor, names.fileNode))
        })
      return Effect.succeed({ spec: { ...spec, disks: spec.disks.filter((disk) => disk.id !== diskId) }, hot })
    })
  })

  const attachNic = Effect.fn("QemuDriver.nics.attach")(function* (name: string, input: NicSpec) {
    const nic = yield* decode(NicSpec, "nics.attach", input)
    yield* changeDomain("nics.attach", name, (domain) => {
      const spec = domain.definition.spec
      const existing = spec.nics.find((other) => other.id === nic.id)
      if (existing && isDeepStrictEqual(existing, nic)) return Effect.succeed(undefined)
      if (existing) return Effect.fail(errors.invalid("nics.attach", `${name} already has a different NIC ${nic.id}`))
      const sameMac = spec.nics.find((other) => other.mac.toLowerCase() === nic.mac.toLowerCase())
      if (sameMac)
        return Effect.fail(errors.invalid("nics.attach", `MAC ${nic.mac} is already ${name}'s ${sameMac.id}`))
      const names = nicNames(nic.id)
      const hot = (monitor: QmpMonitor) =>
        withUndo((onUndo) =>
          Effect.gen(function* () {
            yield* monitor.execute("netdev_add", netdevArguments(nic, names.netdev, settings.runtimeFor(name)))
            yield* onUndo(monitor.execute("netdev_del", { id: names.netdev }))
            yield* deviceAdd(monitor, {
              driver: "virtio-net-pci",
              id: names.device,
              netdev: names.netdev,
              mac: nic.mac,
            })
          }),
        )
      return Effect.succeed({ spec: { ...spec, nics: [...spec.nics, nic] }, hot })
    })
  })

  const detachNic = Effect.fn("QemuDriver.nics.detach")(function* (name: string, nicId: string) {
    yield* changeDomain("nics.detach", name, (domain) => {
      const spec = domain.definition.spec
      if (!spec.nics.some((nic) => nic.id === nicId)) return Effect.succeed(undefined)
      const names = nicNames(nicId)
      const hot = (monitor: QmpMonitor) =>
        Effect.gen(function* () {
          yield* unlessGone(deleteDevice(monitor, names.device))
          yield* unlessGone(Effect.asVoid(monitor.execute("netdev_del", { id: names.netdev })))
        })
      return Effect.succeed({ spec: { ...spec, nics: spec.nics.filter((nic) => nic.id !== nicId) }, hot })
    })
  })

  // Forced: a guest that locked the tray (a mounted disc) would otherwise keep it shut until it agreed.
  const insert = Effect.fn("QemuDriver.media.insert")(function* (name: string, isoPath: string) {
    if (isoPath === "") return yield* errors.invalid("media.insert", "the ISO path is empty")
    yield* changeDomain("media.insert", name, (domain) =>
      Effect.succeed({
        spec: { ...domain.definition.spec, cdrom: isoPath },
        hot: (monitor: QmpMonitor) =>
          blockdevChangeMedium(monitor, {
            id: CDROM_NAMES.device,
            filename: isoPath,
            format: "raw",
            readOnlyMode: "read-only",
            force: true,
          }),
      }),
    )
  })

  const ejectMedium = Effect.fn("QemuDriver.media.eject")(function* (name: string) {
    yield* changeDomain("media.eject", name, (domain) =>
      Effect.succeed(
        domain.definition.spec.cdrom === null
          ? undefined
          : {
              spec: { ...domain.definition.spec, cdrom: null },
              hot: (monitor: QmpMonitor) => eject(monitor, { id: CDROM_NAMES.device, force: true }),
            },
      ),
    )
  })

  /** A domain runs while its QEMU process does (stopped domains have no session, or a gone one). */
  const running = (domain: Domain) => domain.session !== undefined && !domain.session.isGone()

  // X4: USB hot-plugs on the VM's xhci controller; X1: a GPU only joins a stopped domain (vfio-pci at the next start).
  const attachHostDevice = Effect.fn("QemuDriver.hostDevices.attach")(function* (name: string, input: DeviceSpec) {
    const device = yield* decode(DeviceSpec, "hostDevices.attach", input)
    yield* changeDomain("hostDevices.attach", name, (domain) => {
      const spec = domain.definition.spec
      const existing = spec.devices.find((other) => other.id === device.id)
      if (existing && isDeepStrictEqual(existing, device)) return Effect.succeed(undefined)
      if (existing) {
        return Effect.fail(errors.invalid("hostDevices.attach", `${name} already has a different device ${device.id}`))
      }
      if (spec.devices.some((other) => other.kind === device.kind && other.hostAddress === device.hostAddress)) {
        return Effect.fail(errors.invalid("hostDevices.attach", `${device.hostAddress} is already ${name}'s`))
      }
      if (device.kind === "gpu" && running(domain)) {
        return Effect.fail(errors.invalid("hostDevices.attach", "a GPU is attached to a stopped domain only"))
      }
      const hot = (monitor: QmpMonitor) => plugUsb(monitor, usbHostProperties(device))
      return Effect.succeed({ spec: { ...spec, devices: [...spec.devices, device] }, hot })
    })
  })

  const detachHostDevice = Effect.fn("QemuDriver.hostDevices.detach")(function* (name: string, deviceId: string) {
    yield* changeDomain("hostDevices.detach", name, (domain) => {
      const spec = domain.definition.spec
      const device = spec.devices.find((other) => other.id === deviceId)
      if (device === undefined) return Effect.succeed(undefined)
      if (device.kind === "gpu" && running(domain)) {
        return Effect.fail(errors.invalid("hostDevices.detach", "a GPU is detached from a stopped domain only"))
      }
      const hot = (monitor: QmpMonitor) => unplugUsb(monitor, hostDeviceId(deviceId))
      return Effect.succeed({ spec: { ...spec, devices: spec.devices.filter((other) => other.id !== deviceId) }, hot })
    })
  })

  return {
    hostDevices: { attach: attachHostDevice, detach: detachHostDevice },
    disks: { attach: attachDisk, detach: detachDisk },
    nics: { attach: attachNic, detach: detachNic },
    media: { insert, eject: ejectMedium },
  }
}
