/**
 * bench/migration/libvirt: live migration through the libvirt driver between two extra libvirt daemons on this machine
 * (plugins/libvirt/testing/two-daemons.ts; needs root), a 128 MiB idle tiny guest (TCG) moved back and forth:
 * shared, local, shared, local storage. Per move: libvirt's own downtime figure and time elapsed (`domjobinfo
 * --completed`), bytes sent, and the whole move as the core runs it (prepare, send, proof, release). JSON only:
 *   node --import tsx bench/migration/libvirt.ts
 */

import { rmSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { libvirtGuestProbe as probe } from "../../plugins/libvirt/testing/guest-probe.ts"
import { defineTestVm, eventually, openDriver, prepareGuest, run } from "../../plugins/libvirt/testing/setup.ts"
import { peeredDriverOptions, twoLibvirtDaemons } from "../../plugins/libvirt/testing/two-daemons.ts"

const { dir, guest } = await prepareGuest("hx-lvmb-")
const scope = await Effect.runPromise(Scope.make())
const [one, two] = await Effect.runPromise(Scope.provide(scope)(twoLibvirtDaemons(dir)))
const a = await openDriver(peeredDriverOptions(one, two, join(dir, "s1")))
const b = await openDriver(peeredDriverOptions(two, one, join(dir, "s2")))
const name = "hx-bench-lvm"
const moves: Array<Record<string, unknown>> = []
try {
  let spec = await defineTestVm(a.driver, dir, guest, name)
  await run(a.driver.start(name))
  await eventually("the guest to be ready", () => run(probe.ready(a.driver, name)).then(() => true))
  let [from, to] = [a.driver, b.driver]
  for (const storage of ["shared", "local", "shared", "local"] as const) {
    let targetSpec = spec
    if (storage === "local") {
      // the core makes the target's files first, as the conformance case does
      const path = join(dir, `${name}-${moves.length}.qcow2`)
      await run(to.volumes.create({ path, format: "qcow2", sizeGiB: 1 }))
      targetSpec = { ...spec, disks: spec.disks.map((disk) => ({ ...disk, path })) }
    }
    const started = Date.now()
    const endpoint = await run(to.migration.prepareIncoming(targetSpec, { storage, listenHost: "127.0.0.1" }))
    const result = await run(from.migration.send(name, endpoint, { storage }))
    await run(to.migration.finishIncoming(name))
    await run(from.migration.release(name))
    moves.push({ storage, ...result, moveMs: Date.now() - started })
    spec = targetSpec
    ;[from, to] = [to, from]
  }
  console.log(JSON.stringify({ guestMiB: spec.memoryMiB, moves, loadavg: loadavg() }))
} finally {
  await a.close()
  await b.close()
  // the daemons destroy and forget their domains as they stop
  await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(dir, { recursive: true, force: true })
}
