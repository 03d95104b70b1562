import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import type { Capability } from "../driver/capabilities.ts"
import { errorCodeOf } from "../error-codes.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { allowedActions } from "./allowed-actions.ts"
import { createDisk } from "./disks/create.ts"
import { previewBase } from "./preview.ts"
import { createSnapshot } from "./snapshots/create.ts"
import { seedVm } from "./testing/world.ts"

for (const backend of storeBackends) {
  describe(`what the host's driver does not declare, on ${backend.name} (#21)`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    /** Runs `body` with the fake driver declaring none of `missing`, as a plug-in driver may. */
    const without = async <A>(missing: ReadonlyArray<Capability>, body: () => Promise<A>) => {
      const capabilities = core.fake.driver.capabilities as Set<Capability>
      for (const capability of missing) capabilities.delete(capability)
      try {
        return await body()
      } finally {
        for (const capability of missing) capabilities.add(capability)
      }
    }
    const verdicts = (vmId: string, actions: ReadonlyArray<string>) =>
      core.run(
        Effect.gen(function* () {
          const vm = yield* Store.use((store) => store.vms.get(vmId))
          const { context, locked } = yield* previewBase(core.world.actors.owner, vm)
          const all = yield* allowedActions(context, { lang: "en", locked, only: actions })
          return Object.fromEntries(all.map((a) => [a.action, a.allowed ? "allowed" : a.rule]))
        }),
      )

    it("#21 F6 allowedActions refuses what the driver lacks (driver-unsupported), as the call does: 409, not a hypervisor error", () =>
      without(["diskSnapshot", "hotplugDisk"], async () => {
        const running = await core.run(seedVm(core.world, { state: "running" }))
        assert.deepEqual(await verdicts(running.id, ["snapshot", "create-disk", "stop"]), {
          snapshot: "driver-unsupported",
          "create-disk": "driver-unsupported",
          stop: "allowed",
        })
        const snapshot = await core.run(
          Effect.flip(createSnapshot(core.world.actors.owner, running.id, { name: "s1" })),
        )
        assert.equal(errorCodeOf(snapshot), "conflict")
        const disk = await core.run(
          Effect.flip(
            Effect.flatMap(createDisk(core.world.actors.owner, running.id, { name: "d2", sizeGiB: 1 }), (h) => h.done),
          ),
        )
        assert.equal(errorCodeOf(disk), "conflict")
        // A stopped VM's new disk goes into its definition, which needs no hot-plug
        const stopped = await core.run(seedVm(core.world, { state: "stopped" }))
        assert.equal((await verdicts(stopped.id, ["create-disk"]))["create-disk"], "allowed")
      }))
  })
}
