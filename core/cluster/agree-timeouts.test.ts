import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Duration, Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { sampleHost } from "../rules/testing-records.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { type AskedTimeouts, agreeOnTimeouts } from "./agree-timeouts.ts"

for (const backend of storeBackends) {
  describe(`the cluster's heartbeat timeouts on ${backend.name} (#16, R12)`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const agree = (asked: AskedTimeouts) =>
      core.run(
        agreeOnTimeouts(asked).pipe(
          Effect.map((t) => [Duration.toSeconds(t.suspectAfter), Duration.toSeconds(t.downAfter)]),
          Effect.catchTag("TimeoutsMismatch", (error) => Effect.succeed(error.message)),
        ),
      )
    const stored = () => core.run(Store.use((s) => s.clusterSettings.get()))

    it("#16 the first agent's values are the cluster's; others take them, and differ only when no other host is up", async () => {
      // The first agent, told nothing: the defaults, written down for the next ones.
      assert.deepEqual(await agree({}), [6, 10])
      assert.equal((await stored())?.downAfterSeconds, 10)
      // Another host comes up (its agent heartbeats now).
      const peer = sampleHost({ id: "peer", name: "node-b", driver: core.world.host.driver, heartbeatAt: new Date() })
      await core.run(Store.use((s) => s.hosts.insert(peer)))
      // Told other values while node-b is up: refused, naming both, and the row is unchanged.
      const refused = await agree({ suspectAfterSeconds: 10, downAfterSeconds: 20 })
      assert.match(String(refused), /suspect after 6 s and down after 10 s .*told 10 s and 20 s while node-b is up/)
      assert.deepEqual([(await stored())?.suspectAfterSeconds, (await stored())?.downAfterSeconds], [6, 10])
      // Told the same values, or nothing: started with the cluster's.
      assert.deepEqual(await agree({ downAfterSeconds: 10 }), [6, 10])
      // node-b stops (its heartbeat is old): the whole cluster restarting with new values rewrites the row.
      await core.run(Store.use((s) => s.hosts.update("peer", { heartbeatAt: new Date(0) })))
      assert.deepEqual(await agree({ suspectAfterSeconds: 10, downAfterSeconds: 20 }), [10, 20])
      // node-b's agent, told nothing, takes them from the database.
      assert.deepEqual(await agree({}), [10, 20])
      assert.equal((await stored())?.setByHostId, core.host.hostId)
    })
  })
}
