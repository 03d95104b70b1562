import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { createVms } from "./create.ts"
import { DomainJoin } from "./domain-join.ts"

for (const backend of storeBackends) {
  describe(`the domain-join hook on ${backend.name} (C2, R8)`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("C2 a Windows VM with the component calls the plug-in once it runs; one without it does not", async () => {
      const windows = await core.run(
        Store.use((s) =>
          s.images.insert({
            ...core.world.image,
            id: randomUUID(),
            name: "win",
            osFamily: "windows",
            osName: "Windows",
          }),
        ),
      )
      const joined: Array<{ readonly name: string; readonly power: string }> = []
      const hook = DomainJoin.of({
        join: ({ vm, driver }) =>
          Effect.map(Effect.orDie(driver.inspect(vm.hostname)), (info) => {
            joined.push({ name: vm.displayName, power: info.power })
          }),
      })
      const create = (name: string, components: ReadonlyArray<string>) =>
        core.run(
          Effect.flatMap(
            createVms(core.world.actors.owner, {
              count: 1,
              name,
              imageId: windows.id,
              flavorId: core.world.flavor.id,
              components: [...components],
            }),
            (handles) => Effect.forEach(handles, (handle) => handle.done),
          ).pipe(Effect.provideService(DomainJoin, hook)),
        )
      const [task] = await create("win_joined", ["domain-join"])
      assert.equal(task?.state, "succeeded")
      await create("win_plain", [])
      assert.deepEqual(joined, [{ name: "win_joined", power: "running" }], "called for the component, the VM running")
    })
  })
}
