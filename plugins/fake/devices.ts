import { isDeepStrictEqual } from "node:util"
import { Effect, Schema } from "effect"
import type { Driver } from "../../core/driver/driver.ts"
import { DeviceSpec, DiskSpec, NicSpec } from "../../core/driver/spec.ts"
import { withVolumeFiles } from "./backups.ts"
import { diskProblem, nicProblem } from "./checks.ts"
import { withoutDiskFiles } from "./disk-files.ts"
import type { Hypervisor } from "./hypervisor.ts"

type Devices = Required<Pick<Driver, "disks" | "nics" | "media" | "hostDevices">>

/**
 * Disks, NICs and the CD-ROM, hot or cold: each change rewrites the domain's spec. Attaching what is already attached
 * (same id, same spec) and detaching what is not there succeed, so a retried call after a lost reply is harmless.
 */
export const makeDevices = (hv: Hypervisor): Devices => ({
  disks: {
    attach: Effect.fn("FakeDriver.disks.attach")(function* (name: string, input: DiskSpec) {
      const disk = yield* Schema.decodeUnknownEffect(DiskSpec)(input).pipe(
        Effect.mapError((issue) => hv.invalid("disks.attach", `invalid disk: ${issue.message}`)),
      )
      yield* hv.exclusive(name)(
        hv.update("disks.attach", name, (record) => {
          const existing = record.spec.disks.find((other) => other.id === disk.id)
          if (existing && isDeepStrictEqual(existing, disk)) return record
          if (existing) return hv.invalid("disks.attach", `${name} already has a different disk ${disk.id}`)
          const problem = diskProblem(record.spec, disk)
          if (problem) return hv.invalid("disks.attach", problem)
          return {
            ...record,
            spec: { ...record.spec, disks: [...record.spec.disks, disk] },
            guest: withVolumeFiles(hv, record.guest, [disk]),
          }
        }),
      )
    }),
    detach: Effect.fn("FakeDriver.disks.detach")(function* (name: string, diskId: string) {
      yield* hv.exclusive(name)(
        hv.update("disks.detach", name, (record) => {
          const leaving = record.spec.disks.find((disk) => disk.id === diskId)
          return {
            ...record,
            spec: { ...record.spec, disks: record.spec.disks.filter((disk) => disk.id !== diskId) },
            guest: leaving ? withoutDiskFiles(record.guest, leaving) : record.guest,
          }
        }),
      )
    }),
  },

  nics: {
    attach: Effect.fn("FakeDriver.nics.attach")(function* (name: string, input: NicSpec) {
      const nic = yield* Schema.decodeUnknownEffect(NicSpec)(input).pipe(
        Effect.mapError((issue) => hv.invalid("nics.attach", `invalid nic: ${issue.message}`)),
      )
      yield* hv.exclusive(name)(
        hv.update("nics.attach", name, (record) => {
          const existing = record.spec.nics.find((other) => other.id === nic.id)
          if (existing && isDeepStrictEqual(existing, nic)) return record
          if (existing) return hv.invalid("nics.attach", `${name} already has a different nic ${nic.id}`)
          const problem = nicProblem(record.spec, nic)
          if (problem) return hv.invalid("nics.attach", problem)
          return { ...record, spec: { ...record.spec, nics: [...record.spec.nics, nic] } }
        }),
      )
    }),
    detach: Effect.fn("FakeDriver.nics.detach")(function* (name: string, nicId: string) {
      yield* hv.exclusive(name)(
        hv.update("nics.detach", name, (record) => ({
          ...record,
          spec: { ...record.spec, nics: record.spec.nics.filter((nic) => nic.id !== nicId) },
        })),
      )
    }),
  },

  media: {
    // Inserting into a full drive swaps the disc, as a real CD-ROM change does.
    insert: Effect.fn("FakeDriver.media.insert")(function* (name: string, isoPath: string) {
      if (isoPath === "") return yield* hv.invalid("media.insert", "iso path is empty")
      yield* hv.exclusive(name)(
        hv.update("media.insert", name, (record) => ({ ...record, spec: { ...record.spec, cdrom: isoPath } })),
      )
    }),
    eject: Effect.fn("FakeDriver.media.eject")(function* (name: string) {
      yield* hv.exclusive(name)(
        hv.update("media.eject", name, (record) => ({ ...record, spec: { ...record.spec, cdrom: null } })),
      )
    }),
  },

  // X1, X4 as the QEMU driver: USB hot or cold, a GPU only while the domain is stopped.
  hostDevices: {
    attach: Effect.fn("FakeDriver.hostDevices.attach")(function* (name: string, input: DeviceSpec) {
      const device = yield* Schema.decodeUnknownEffect(DeviceSpec)(input).pipe(
        Effect.mapError((issue) => hv.invalid("hostDevices.attach", `invalid device: ${issue.message}`)),
      )
      yield* hv.exclusive(name)(
        hv.update("hostDevices.attach", name, (record) => {
          const existing = record.spec.devices.find((other) => other.id === device.id)
          if (existing && isDeepStrictEqual(existing, device)) return record
          if (existing) return hv.invalid("hostDevices.attach", `${name} already has a different device ${device.id}`)
          if (device.kind === "gpu" && record.power !== "stopped") {
            return hv.invalid("hostDevices.attach", "a GPU is attached to a stopped domain only")
          }
          return { ...record, spec: { ...record.spec, devices: [...record.spec.devices, device] } }
        }),
      )
    }),
    detach: Effect.fn("FakeDriver.hostDevices.detach")(function* (name: string, deviceId: string) {
      yield* hv.exclusive(name)(
        hv.update("hostDevices.detach", name, (record) => {
          const device = record.spec.devices.find((other) => other.id === deviceId)
          if (device === undefined) return record
          if (device.kind === "gpu" && record.power !== "stopped") {
            return hv.invalid("hostDevices.detach", "a GPU is detached from a stopped domain only")
          }
          return { ...record, spec: { ...record.spec, devices: record.spec.devices.filter((d) => d.id !== deviceId) } }
        }),
      )
    }),
  },
})
