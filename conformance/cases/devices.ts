import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import type { DiskSpec, NicSpec } from "../../core/driver/spec.ts"
import { defineCase } from "../case.ts"
import type { ProbeOp } from "../config.ts"
import type { CaseContext } from "../context.ts"
import { CaseFailure, check, describeError, fail } from "../failure.ts"
import { randomMac } from "../spec.ts"
import { expecting, waitUntil } from "../wait.ts"

/** With `metrics` declared, the disk's presence in `stats` must follow attach and detach. */
const awaitDiskInStats = (t: CaseContext, name: string, diskId: string, present: boolean) =>
  Effect.gen(function* () {
    if (!t.has("metrics")) return
    const stats = yield* t.group("stats")
    yield* waitUntil(
      `${diskId} to ${present ? "appear in" : "leave"} ${name}'s stats`,
      t.step("stats", stats(name)).pipe(
        Effect.flatMap((sample) => {
          const listed = sample.disks.some((disk) => disk.id === diskId)
          return listed === present ? Effect.void : fail(`stats list ${sample.disks.map((disk) => disk.id).join(", ")}`)
        }),
      ),
      { timeoutMs: t.config.timeouts.guestChangeMs, pollMs: t.config.timeouts.pollMs },
    )
  })

/**
 * With `metrics` declared and the driver reporting per-NIC counters, the NIC that just carried traffic both ways must
 * show bytes received and sent (from the guest's side). A driver that reports no `nics` at all is not held to it
 * (the counters are optional); one that reports them must report this NIC.
 */
const checkNicCounters = (t: CaseContext, name: string, nicId: string) =>
  Effect.gen(function* () {
    if (!t.has("metrics")) return
    const stats = yield* t.group("stats")
    const sample = yield* t.step("stats after the traffic", stats(name))
    if (sample.nics === undefined) return
    const counters = sample.nics.find((nic) => nic.id === nicId)
    yield* check(
      counters !== undefined,
      `stats list NICs ${sample.nics.map((nic) => nic.id).join(", ") || "none"}, not the one that carried traffic (${nicId})`,
    )
    yield* check(
      counters !== undefined && counters.rxBytes > 0 && counters.txBytes > 0,
      `${nicId} carried DHCP and pings both ways, but stats count rx ${counters?.rxBytes} / tx ${counters?.txBytes} bytes`,
    )
  })

/** The ISO the media case inserts: the config's, or a small file the suite writes (a hypervisor need not parse it). */
const isoFor = (t: CaseContext) => {
  if (t.config.isoPath !== undefined) return t.config.isoPath
  const path = join(t.tracker.runDir, "conformance.iso")
  t.tracker.file(path)
  if (!existsSync(path)) writeFileSync(path, Buffer.alloc(64 * 1024))
  return path
}

/** A call of the network probe; its failure fails the case, naming the call. */
const probe = <A>(label: string, op: ProbeOp<A>) =>
  op.pipe(Effect.mapError((error) => new CaseFailure({ message: `network probe, ${label}: ${describeError(error)}` })))

export const deviceCases = [
  defineCase({
    id: "disks.hotplug",
    capability: "hotplugDisk",
    title: "a data disk attaches to and detaches from a running domain; repeating either call is a no-op",
    run: (t) =>
      Effect.gen(function* () {
        const disks = yield* t.group("disks")
        const vm = yield* t.vm({ shared: true })
        const path = join(t.tracker.runDir, `${vm.name}-data1.qcow2`)
        t.tracker.volume(path)
        yield* t.step("create the data disk", t.driver.volumes.create({ path, format: "qcow2", sizeGiB: 1 }))
        const disk: DiskSpec = { id: "data1", role: "data", path, format: "qcow2", bus: "virtio", readonly: false }
        yield* t.step("hot-plug the disk", disks.attach(vm.name, disk))
        yield* t.step("attach the same disk again", disks.attach(vm.name, disk))
        yield* awaitDiskInStats(t, vm.name, disk.id, true)
        yield* t.step("hot-unplug the disk", disks.detach(vm.name, disk.id))
        yield* t.step("detach it again", disks.detach(vm.name, disk.id))
        yield* awaitDiskInStats(t, vm.name, disk.id, false)
        yield* check((yield* t.power(vm.name)) === "running", `${vm.name} did not stay running`)
        yield* t.step("delete the detached disk", t.driver.volumes.remove(path))
        yield* check(!existsSync(path), `${path} still exists after volumes.remove`)
      }),
  }),

  defineCase({
    id: "disks.cold",
    capability: "hotplugDisk",
    title: "a data disk attached to a stopped domain is there at its start; detached while stopped, gone at the next",
    run: (t) =>
      Effect.gen(function* () {
        const disks = yield* t.group("disks")
        const vm = yield* t.vm()
        const path = join(t.tracker.runDir, `${vm.name}-cold1.qcow2`)
        t.tracker.volume(path)
        yield* t.step("create the data disk", t.driver.volumes.create({ path, format: "qcow2", sizeGiB: 1 }))
        const disk: DiskSpec = { id: "cold1", role: "data", path, format: "qcow2", bus: "virtio", readonly: false }
        yield* t.step("attach the disk to the stopped domain", disks.attach(vm.name, disk))
        yield* t.step("attach the same disk again", disks.attach(vm.name, disk))
        yield* check((yield* t.power(vm.name)) === "stopped", `${vm.name} started on a cold attach`)
        yield* t.start(vm.name)
        yield* awaitDiskInStats(t, vm.name, disk.id, true)
        yield* t.step("force stop", t.driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
        yield* t.step("detach the disk from the stopped domain", disks.detach(vm.name, disk.id))
        yield* t.step("detach it again", disks.detach(vm.name, disk.id))
        yield* t.start(vm.name)
        yield* awaitDiskInStats(t, vm.name, disk.id, false)
        yield* t.step("force stop", t.driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
        yield* t.step("delete the detached disk", t.driver.volumes.remove(path))
        yield* check(!existsSync(path), `${path} still exists after volumes.remove`)
      }),
  }),

  defineCase({
    id: "nics.hotplug",
    capability: "hotplugNic",
    title: "a NIC attaches to and detaches from a running domain; repeating either call is a no-op",
    run: (t) =>
      Effect.gen(function* () {
        const nics = yield* t.group("nics")
        const vm = yield* t.vm({ shared: true })
        const backing = t.config.nic ?? { kind: "user", hostForwards: [] }
        const nic: NicSpec = { id: "nic9", mac: randomMac(), backing }
        yield* t.step("hot-plug the NIC", nics.attach(vm.name, nic))
        yield* t.step("attach the same NIC again", nics.attach(vm.name, nic))
        yield* t.step("hot-unplug the NIC", nics.detach(vm.name, nic.id))
        yield* t.step("detach it again", nics.detach(vm.name, nic.id))
        yield* check((yield* t.power(vm.name)) === "running", `${vm.name} did not stay running`)
      }),
  }),

  defineCase({
    id: "nics.connectivity",
    capability: "hotplugNic",
    title:
      "a hot-plugged NIC carries traffic: the guest gets its DHCP address, reaches a peer and answers it, and its counters show it; unplugged, it does not",
    applies: (_driver, config) =>
      config.network === undefined ? "the run has no network probe (config.network) to test traffic on" : undefined,
    run: (t) =>
      Effect.gen(function* () {
        const nics = yield* t.group("nics")
        const network = t.config.network ?? (yield* fail("no network probe"))
        const timing = { timeoutMs: t.config.timeouts.guestChangeMs, pollMs: Math.max(t.config.timeouts.pollMs, 500) }
        const vm = yield* t.vm({ shared: true })
        const mac = randomMac()
        const { backing, address } = yield* probe("prepare the network for the NIC", network.prepare(mac))
        yield* Effect.addFinalizer(() => network.release(mac).pipe(Effect.ignore))
        const nic: NicSpec = { id: "nic8", mac, backing }
        yield* t.step("hot-plug the NIC", nics.attach(vm.name, nic))
        yield* waitUntil(
          `${vm.name} gets ${address} on the new NIC`,
          expecting(
            network.addresses(t.driver, vm.name),
            (addresses) => addresses.includes(address),
            (addresses) => `the guest has ${addresses.join(", ") || "no address"}`,
          ),
          timing,
        )
        yield* waitUntil(
          `${vm.name} reaches the peer ${network.peer}`,
          expecting(
            network.guestPings(t.driver, vm.name, network.peer),
            (answered) => answered,
            () => "no answer",
          ),
          timing,
        )
        yield* check(
          yield* probe("the peer pings the guest", network.peerPings(address)),
          `${address} did not answer the peer`,
        )
        yield* checkNicCounters(t, vm.name, nic.id)
        yield* t.step("hot-unplug the NIC", nics.detach(vm.name, nic.id))
        yield* check(
          !(yield* probe("the peer pings the guest again", network.peerPings(address))),
          `${address} still answers after the NIC was unplugged`,
        )
        yield* check((yield* t.power(vm.name)) === "running", `${vm.name} did not stay running`)
      }),
  }),

  defineCase({
    id: "media.iso",
    capability: "iso",
    title: "an ISO goes into a running domain's CD-ROM, can be swapped, and ejects; ejecting an empty drive is a no-op",
    run: (t) =>
      Effect.gen(function* () {
        const media = yield* t.group("media")
        const vm = yield* t.vm({ shared: true })
        const iso = isoFor(t)
        yield* t.step("insert the ISO", media.insert(vm.name, iso))
        yield* t.step("insert it again (a swap)", media.insert(vm.name, iso))
        yield* t.step("eject", media.eject(vm.name))
        yield* t.step("eject an empty drive", media.eject(vm.name))
        yield* check((yield* t.power(vm.name)) === "running", `${vm.name} did not stay running`)
      }),
  }),
]
