import { Effect } from "effect"
import { defineCase } from "../case.ts"
import type { CaseContext } from "../context.ts"
import { check } from "../failure.ts"

const read = (t: CaseContext, name: string, path: string) =>
  t.guest(`read ${path}`, (probe, driver) => probe.read(driver, name, path))
const write = (t: CaseContext, name: string, path: string, content: string) =>
  t.guest(`write ${path}`, (probe, driver) => probe.write(driver, name, path, content))

/**
 * Write in the guest, snapshot, change what was written, revert, read back the original. The domain is stopped
 * before the revert, as the core does (P4), and started after it; with memory the guest must resume rather than boot.
 */
const roundTrip = (t: CaseContext, withMemory: boolean) =>
  Effect.gen(function* () {
    const snapshots = yield* t.group("snapshots")
    const vm = yield* t.vm({ shared: true })
    const kind = withMemory ? "memory" : "disk"
    const files = withMemory
      ? [`${t.config.guest.ramDir}/hxc-snap`, `${t.config.guest.diskDir}/hxc-snap`]
      : [`${t.config.guest.diskDir}/hxc-snap`]
    for (const path of files) yield* write(t, vm.name, path, "original")

    const snapshot = `hxc-${kind}`
    t.tracker.snapshot(vm.name, snapshot)
    yield* t.step(`take a ${kind} snapshot`, snapshots.create(vm.name, snapshot, { withMemory }))
    const listed = (yield* t.step("list snapshots", snapshots.list(vm.name))).find((info) => info.name === snapshot)
    yield* check(listed !== undefined, `snapshots.list does not show ${snapshot}`)
    yield* check(listed?.withMemory === withMemory, `snapshots.list says withMemory ${listed?.withMemory}`)
    yield* check(
      listed !== undefined && listed.sizeBytes >= 0 && !Number.isNaN(listed.createdAt.getTime()),
      "the listed snapshot has no valid size or creation time",
    )
    // The saved RAM takes room; a disk-only snapshot may report 0 (qcow2 accounts no data to an internal one).
    if (withMemory)
      yield* check(
        listed !== undefined && listed.sizeBytes > 0,
        `a memory snapshot says it holds ${listed?.sizeBytes} bytes`,
      )

    for (const path of files) yield* write(t, vm.name, path, "changed")
    for (const path of files)
      yield* check((yield* read(t, vm.name, path)) === "changed", `${path} did not take the change`)

    yield* t.step("force stop before the revert", t.driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
    yield* t.step(`revert to the ${kind} snapshot`, snapshots.revert(vm.name, snapshot))
    yield* t.start(vm.name)
    for (const path of files) {
      const content = yield* read(t, vm.name, path)
      yield* check(
        content === "original",
        `after reverting the ${kind} snapshot ${path} holds ${content === undefined ? "nothing" : `"${content}"`}, not "original"`,
      )
    }

    yield* t.step("remove the snapshot", snapshots.remove(vm.name, snapshot))
    const after = yield* t.step("list snapshots", snapshots.list(vm.name))
    yield* check(!after.some((info) => info.name === snapshot), `${snapshot} is still listed after remove`)
    yield* t.step("remove it again", snapshots.remove(vm.name, snapshot))
  })

export const snapshotCases = [
  defineCase({
    id: "snapshots.memory",
    capability: "memorySnapshot",
    title: "a memory snapshot brings back the guest's RAM and disk: write, snapshot, change, revert, read the original",
    run: (t) => roundTrip(t, true),
  }),
  defineCase({
    id: "snapshots.disk",
    capability: "diskSnapshot",
    title: "a disk snapshot brings back the guest's disk: write, snapshot, change, revert, read the original",
    run: (t) => roundTrip(t, false),
  }),
]
