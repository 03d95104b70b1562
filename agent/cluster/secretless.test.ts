import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Store } from "../../core/store/ports.ts"
import { sampleRows, storeBackend, useStore } from "../../core/store/testing.ts"
import { secretlessClusterLines } from "./secretless.ts"

describe("an agent without a cluster secret on a shared database (#16)", { skip: storeBackend.skip }, () => {
  const run = useStore(storeBackend)

  it("#16 says nothing while its host is the database's only one; warns, naming them, once others are there", async () => {
    const own = sampleRows.host({ name: "node-a" })
    await run(Store.use((store) => store.hosts.insert(own)))
    assert.deepEqual(await run(secretlessClusterLines(own.id)), [])
    await run(Store.use((store) => store.hosts.insert(sampleRows.host({ name: "node-b" }))))
    const [line, ...more] = await run(secretlessClusterLines(own.id))
    assert.deepEqual(more, [])
    assert.match(
      line ?? "",
      /^Warning: 1 other host\(s\) use this database \(node-b\), but this agent has no --cluster-secret-file/,
    )
    assert.match(line ?? "", /neither forwards requests about their VMs nor accepts theirs/)
  })
})
