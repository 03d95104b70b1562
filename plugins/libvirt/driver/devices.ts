import { Effect, Schedule, Schema } from "effect"
import { DeviceSpec, type DiskSpec, type NicSpec } from "../../../core/driver/spec.ts"
import type { ChangeScope } from "../virsh/client.ts"
import type { LibvirtError } from "../virsh/errors.ts"
import { attribute, elements, parseDisks, parseHostDeviceAliases, parseNicAliases } from "../virsh/xml-read.ts"
import { diskElement, hostDeviceElement, nicElement } from "../xml/devices.ts"
import { CDROM_TARGET, diskAlias, freeTarget, hostDeviceAlias, nicAlias, targetPrefix } from "../xml/names.ts"
import { renderXml } from "../xml/xml.ts"
import type { DriverContext } from "./context.ts"
import type { Lifecycle } from "./lifecycle.ts"
import { unreachableFolders } from "./paths.ts"

/** How long a hot-unplug may take: virtio devices leave once the guest lets go of them. */
const UNPLUG_TIMEOUT_MS = 20_000
const UNPLUG_POLL_MS = 200

/**
 * Hot-plug of disks and NICs and the CD-ROM's media. Every change goes to the persistent definition and, while the
 * domain runs, to the running domain too; devices are found again by their "ua-" alias, so a repeated call is a no-op.
 */
export const makeDevices = (ctx: DriverContext, lifecycle: Lifecycle) => {
  const { client } = ctx

  /** The persistent definition, and the running domain's XML when it runs. */
  const definitions = (operation: string, name: string) =>
    Effect.gen(function* () {
      const current = yield* lifecycle.state(operation, name)
      const running = current.power !== "stopped"
      const config = yield* ctx.call(operation, name, client.dumpXml(name, { inactive: true }))
      const live = running ? yield* ctx.call(operation, name, client.dumpXml(name)) : undefined
      return { running, config, live }
    })

  /** Waits until the running domain no longer lists `alias` (the guest acknowledged the unplug). */
  const awaitGone = (operation: string, name: string, has: (xml: string) => boolean) =>
    Effect.gen(function* () {
      const deadline = Date.now() + UNPLUG_TIMEOUT_MS
      while (Date.now() < deadline) {
        const live = yield* ctx.call(operation, name, client.dumpXml(name))
        if (!has(live)) return
        yield* Effect.sleep(UNPLUG_POLL_MS)
      }
      return yield* ctx.errors.timeout(operation, UNPLUG_TIMEOUT_MS)
    })

  const attach = (operation: string, name: string, has: (xml: string) => boolean, xmlFor: (taken: string) => string) =>
    ctx.exclusive(name)(
      Effect.gen(function* () {
        const { config, live } = yield* definitions(operation, name)
        const scope: ChangeScope = { live: live !== undefined && !has(live), config: !has(config) }
        if (!scope.live && !scope.config) return
        yield* ctx.call(operation, name, client.attachDevice(name, xmlFor(`${config}\n${live ?? ""}`), scope))
      }),
    )

  const detach = (operation: string, name: string, alias: string, has: (xml: string) => boolean) =>
    ctx.exclusive(name)(
      Effect.gen(function* () {
        const { config, live } = yield* definitions(operation, name)
        const scope: ChangeScope = { live: live !== undefined && has(live), config: has(config) }
        if (!scope.live && !scope.config) return
        yield* ctx.call(operation, name, client.detachDeviceAlias(name, alias, scope))
        if (scope.live) yield* awaitGone(operation, name, has)
      }),
    )

  /** libvirt hands the file to QEMU's unprivileged user, who must be able to pass through every folder above it. */
  const reachable = (operation: string, path: string) => {
    const blocked = unreachableFolders(path)
    return blocked.length === 0
      ? Effect.void
      : ctx.errors.invalid(operation, `QEMU's unprivileged user cannot reach ${path}: chmod o+x ${blocked.join(" ")}`)
  }

  const hasDisk = (alias: string) => (xml: string) => parseDisks(xml).some((disk) => disk.alias === alias)
  const hasNic = (alias: string) => (xml: string) => parseNicAliases(xml).includes(alias)

  const disks = {
    attach: Effect.fn("LibvirtDriver.disks.attach")(function* (name: string, disk: DiskSpec) {
      const alias = diskAlias(disk.id)
      yield* reachable("disks.attach", disk.path)
      yield* attach("disks.attach", name, hasDisk(alias), (xml) => {
        const taken = parseDisks(xml).map((existing) => existing.target)
        return renderXml(diskElement(disk, freeTarget(targetPrefix(disk.bus), taken)))
      })
    }),
    detach: Effect.fn("LibvirtDriver.disks.detach")(function* (name: string, diskId: string) {
      const alias = diskAlias(diskId)
      yield* detach("disks.detach", name, alias, hasDisk(alias))
    }),
  }

  const nics = {
    attach: Effect.fn("LibvirtDriver.nics.attach")(function* (name: string, nic: NicSpec) {
      if (nic.backing.kind === "user" && nic.backing.hostForwards.length > 0) {
        return yield* ctx.errors.invalid("nics.attach", "libvirt 9.0's user-mode networking cannot forward host ports")
      }
      yield* attach("nics.attach", name, hasNic(nicAlias(nic.id)), () => renderXml(nicElement(nic)))
    }),
    detach: Effect.fn("LibvirtDriver.nics.detach")(function* (name: string, nicId: string) {
      const alias = nicAlias(nicId)
      yield* detach("nics.detach", name, alias, hasNic(alias))
    }),
  }

  const cdromSource = (xml: string) => parseDisks(xml).find((disk) => disk.target === CDROM_TARGET)?.source

  /** Inserts (or swaps to) `iso`, or ejects with null, in the running domain and its definition. */
  const changeMedia = (operation: string, name: string, iso: string | null) =>
    ctx.exclusive(name)(
      Effect.gen(function* () {
        const { config, live } = yield* definitions(operation, name)
        const scope: ChangeScope = {
          live: live !== undefined && cdromSource(live) !== (iso ?? undefined),
          config: cdromSource(config) !== (iso ?? undefined),
        }
        if (!scope.live && !scope.config) return
        yield* ctx.call(
          operation,
          name,
          client.changeMedia(name, CDROM_TARGET, iso, scope).pipe(
            // libvirt opens the tray and inserts at once; a guest that still holds the tray locked makes the insert
            // fail "Tray of the device is not open" until it lets go. Try again briefly, on that refusal only.
            Effect.retry({
              schedule: Schedule.spaced("250 millis"),
              times: 20,
              while: (error: LibvirtError) => /tray of the device is not open/i.test(error.message),
            }),
            // an empty drive has nothing to eject
            Effect.catchIf(
              (error: LibvirtError) => iso === null && /doesn't have media|no media/i.test(error.message),
              () => Effect.void,
            ),
          ),
        )
      }),
    )

  const media = {
    insert: Effect.fn("LibvirtDriver.media.insert")(function* (name: string, isoPath: string) {
      yield* reachable("media.insert", isoPath)
      yield* changeMedia("media.insert", name, isoPath)
    }),
    eject: Effect.fn("LibvirtDriver.media.eject")(function* (name: string) {
      yield* changeMedia("media.eject", name, null)
    }),
  }

  const hasHostDevice = (alias: string) => (xml: string) => parseHostDeviceAliases(xml).includes(alias)

  /**
   * Passthrough (X1, X4) as `<hostdev>` through `virsh attach-device` / `detach-device-alias`, live and in the
   * definition: a USB device (by vendor and product ids: libvirt 9 cannot name a port) hot-plugs into a running domain,
   * a GPU (managed: libvirt binds it to vfio-pci and back) joins or leaves a stopped domain only.
   */
  const hostDevices = {
    attach: Effect.fn("LibvirtDriver.hostDevices.attach")(function* (name: string, input: DeviceSpec) {
      const device = yield* Schema.decodeUnknownEffect(DeviceSpec)(input).pipe(
        Effect.catch((issue) => ctx.errors.invalid("hostDevices.attach", `invalid argument: ${issue.message}`)),
      )
      if (device.kind === "usb" && (device.vendorId === undefined || device.productId === undefined)) {
        return yield* ctx.errors.invalid(
          "hostDevices.attach",
          "libvirt names a USB device by its vendor and product ids",
        )
      }
      if (device.kind === "gpu") yield* stoppedFor("hostDevices.attach", name, "attached to")
      const alias = hostDeviceAlias(device.id)
      yield* attach("hostDevices.attach", name, hasHostDevice(alias), () => renderXml(hostDeviceElement(device)))
    }),
    detach: Effect.fn("LibvirtDriver.hostDevices.detach")(function* (name: string, deviceId: string) {
      const alias = hostDeviceAlias(deviceId)
      const { config, live } = yield* definitions("hostDevices.detach", name)
      const gpu = hostDeviceType(config, alias) === "pci" || hostDeviceType(live ?? "", alias) === "pci"
      if (gpu && live !== undefined) {
        return yield* ctx.errors.invalid("hostDevices.detach", "a GPU is detached from a stopped domain only")
      }
      yield* detach("hostDevices.detach", name, alias, hasHostDevice(alias))
    }),
  }

  const stoppedFor = (operation: string, name: string, what: string) =>
    Effect.gen(function* () {
      const current = yield* lifecycle.state(operation, name)
      if (current.power !== "stopped") {
        return yield* ctx.errors.invalid(operation, `a GPU is ${what} a stopped domain only`)
      }
    })

  return { disks, nics, media, hostDevices }
}

/** The type (`pci`, `usb`) of the `<hostdev>` carrying `alias`, if any. */
const hostDeviceType = (xml: string, alias: string) =>
  elements(xml, "hostdev")
    .filter((block) => attribute(block, "alias", "name") === alias)
    .map((block) => attribute(block, "hostdev", "type"))[0]
