import { join } from "node:path"
import { Effect } from "effect"
import { defineCase } from "../case.ts"
import type { CaseContext } from "../context.ts"
import { check } from "../failure.ts"
import { systemDiskId } from "../spec.ts"

const read = (t: CaseContext, name: string, path: string) =>
  t.guest(`read ${path}`, (probe, driver) => probe.read(driver, name, path))
const write = (t: CaseContext, name: string, path: string, content: string) =>
  t.guest(`write ${path}`, (probe, driver) => probe.write(driver, name, path, content))

/** A file in the run's folder for the driver to make, removed at the end whatever happens. */
const volumeIn = (t: CaseContext, file: string) => {
  const path = join(t.tracker.runDir, file)
  t.tracker.volume(path)
  return path
}

export const backupCases = [
  defineCase({
    id: "backups.chain",
    capability: "diskBackup",
    title:
      "a full backup, a change, an increment: the increment restores into a new volume that boots with the change; " +
      "an increment on a wrong previous or a dropped chain is refused; dropping a chain twice is fine",
    run: (t) =>
      Effect.gen(function* () {
        const backups = yield* t.group("backups")
        const vm = yield* t.vm({ shared: true })
        const file = `${t.config.guest.diskDir}/hxc-backup`
        const chain = "hxc-chain"
        yield* write(t, vm.name, file, "first")
        const full = volumeIn(t, `${vm.name}-full.qcow2`)
        yield* t.step("full backup of the system disk", backups.full(vm.name, systemDiskId, full, { chain }))
        yield* write(t, vm.name, file, "second")
        const increment = volumeIn(t, `${vm.name}-inc1.qcow2`)
        const sized = yield* t.step(
          "incremental backup",
          backups.incremental(vm.name, systemDiskId, increment, { chain, previous: full }),
        )
        yield* check(sized.sizeBytes >= 0, `the increment reports ${sized.sizeBytes} bytes`)
        const stray = volumeIn(t, `${vm.name}-inc2.qcow2`)
        yield* t.refuses(
          "an increment on the full backup, which no longer ends the chain",
          backups.incremental(vm.name, systemDiskId, stray, { chain, previous: full }),
          ["InvalidRequest"],
        )

        const restored = volumeIn(t, `${vm.name}-restored.qcow2`)
        yield* t.step(
          "restore the increment into a new volume",
          backups.restore(increment, { path: restored, format: "qcow2", sizeGiB: t.config.systemDiskGiB }),
        )
        const copy = yield* t.vm({ start: true, systemDisk: restored })
        const content = yield* read(t, copy.name, file)
        yield* check(
          content === "second",
          `a VM booted from the restored increment reads ${content === undefined ? "nothing" : `"${content}"`}, not "second"`,
        )

        yield* t.step("drop the chain", backups.dropChain(vm.name, systemDiskId, chain))
        yield* t.step("drop it again", backups.dropChain(vm.name, systemDiskId, chain))
        yield* t.refuses(
          "an increment on a dropped chain",
          backups.incremental(vm.name, systemDiskId, stray, { chain, previous: increment }),
          ["InvalidRequest"],
        )
      }),
  }),
]
