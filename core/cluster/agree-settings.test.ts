import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Duration, Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { sampleHost } from "../rules/testing-records.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { type AskedSettings, agreeOnSettings } from "./agree-settings.ts"

for (const backend of storeBackends) {
  describe(`the cluster's settings (heartbeat timeouts, stopped-VM policy) on ${backend.name} (#16, R12)`, {
    skip: backend.skip,
  }, () => {
    const core = useCore(backend)
    const agree = (asked: AskedSettings) =>
      core.run(
        agreeOnSettings(asked).pipe(
          Effect.map(({ timeouts: t, stoppedVms }) => [
            Duration.toSeconds(t.suspectAfter),
            Duration.toSeconds(t.downAfter),
            stoppedVms,
          ]),
          Effect.catchTag("SettingsMismatch", (error) => Effect.succeed(error.message)),
        ),
      )
    const stored = () => core.run(Store.use((s) => s.clusterSettings.get()))

    it("#16 the first agent's values are the cluster's; others take them, and differ only when no other host is up", async () => {
      // The first agent, told nothing: the defaults, written down for the next ones.
      assert.deepEqual(await agree({}), [6, 10, "hold"])
      assert.equal((await stored())?.downAfterSeconds, 10)
      // Another host comes up (its agent heartbeats now).
      const peer = sampleHost({ id: "peer", name: "node-b", driver: core.world.host.driver, heartbeatAt: new Date() })
      await core.run(Store.use((s) => s.hosts.insert(peer)))
      // Told other values while node-b is up: refused, naming both, and the row is unchanged.
      const refused = await agree({ suspectAfterSeconds: 10, downAfterSeconds: 20 })
      assert.match(
        String(refused),
        /are: suspect after 6 s, down after 10 s, stopped VMs hold .*told: suspect after 10 s, down after 20 s, stopped VMs hold, while node-b is up/,
      )
      assert.match(String(await agree({ stoppedVms: "release" })), /told: .*stopped VMs release, while node-b/)
      assert.deepEqual([(await stored())?.suspectAfterSeconds, (await stored())?.downAfterSeconds], [6, 10])
      // Told the same values, or nothing: started with the cluster's.
      assert.deepEqual(await agree({ downAfterSeconds: 10 }), [6, 10, "hold"])
      // node-b stops (its heartbeat is old): the whole cluster restarting with new values rewrites the row.
      await core.run(Store.use((s) => s.hosts.update("peer", { heartbeatAt: new Date(0) })))
      assert.deepEqual(await agree({ suspectAfterSeconds: 10, downAfterSeconds: 20 }), [10, 20, "hold"])
      assert.deepEqual(await agree({ stoppedVms: "release" }), [10, 20, "release"])
      // node-b's agent, told nothing, takes them from the database.
      assert.deepEqual(await agree({}), [10, 20, "release"])
      assert.equal((await stored())?.setByHostId, core.host.hostId)
    })
  })
}
