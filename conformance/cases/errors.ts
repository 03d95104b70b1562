import { Effect } from "effect"
import type { Driver } from "../../core/driver/driver.ts"
import type { DriverError } from "../../core/driver/errors.ts"
import type { DiskSpec } from "../../core/driver/spec.ts"
import { defineCase } from "../case.ts"
import type { CaseContext } from "../context.ts"
import { systemDiskId } from "../spec.ts"

type Call = readonly [label: string, effect: Effect.Effect<unknown, DriverError>]

/** The calls of the optional groups whose capability the driver declares, aimed at `ghost`. */
const groupCalls = (t: CaseContext, driver: Driver, ghost: string): ReadonlyArray<Call> => {
  const calls: Array<Call> = []
  const { disks, nics, media, snapshots, console, guestAgent, stats } = driver
  const disk: DiskSpec = {
    id: "d1",
    role: "data",
    path: `${t.tracker.runDir}/ghost.qcow2`,
    format: "qcow2",
    bus: "virtio",
    readonly: false,
  }
  if (t.has("hotplugDisk") && disks) {
    calls.push(["disks.attach", disks.attach(ghost, disk)])
    calls.push(["disks.detach", disks.detach(ghost, systemDiskId)])
  }
  if (t.has("hotplugNic") && nics) calls.push(["nics.detach", nics.detach(ghost, "nic0")])
  if (t.has("iso") && media) calls.push(["media.eject", media.eject(ghost)])
  if ((t.has("memorySnapshot") || t.has("diskSnapshot")) && snapshots) {
    calls.push(["snapshots.list", snapshots.list(ghost)])
    calls.push(["snapshots.create", snapshots.create(ghost, "s1", { withMemory: false })])
  }
  if (t.has("vncConsole") && console) calls.push(["console.vnc", console.vnc(ghost)])
  if (t.has("serialConsole") && console) calls.push(["console.serial", console.serial(ghost)])
  if (t.has("guestAgent") && guestAgent) calls.push(["guestAgent.ping", guestAgent.ping(ghost)])
  if (t.has("metrics") && stats) calls.push(["stats", stats(ghost)])
  return calls
}

export const errorCases = [
  defineCase({
    id: "errors.not-found",
    capability: "lifecycle",
    title: "every call on an unknown domain fails DomainNotFound (undefine succeeds: it is idempotent)",
    run: (t) =>
      Effect.gen(function* () {
        const ghost = `${t.tracker.prefix}ghost`
        const driver = t.driver
        const calls: ReadonlyArray<Call> = [
          ["inspect", driver.inspect(ghost)],
          ["start", driver.start(ghost)],
          ["shutdown (forced)", driver.shutdown(ghost, { force: true, timeoutMs: 0 })],
          ["shutdown (graceful)", driver.shutdown(ghost, { force: false, timeoutMs: 1 })],
          ["reboot (forced)", driver.reboot(ghost, { force: true })],
          ...groupCalls(t, driver, ghost),
        ]
        for (const [label, effect] of calls)
          yield* t.refuses(`${label} of an unknown domain`, effect, ["DomainNotFound"])
        yield* t.step("undefine an unknown domain", driver.undefine(ghost))
      }),
  }),
]
