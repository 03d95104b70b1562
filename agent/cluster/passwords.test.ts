import assert from "node:assert/strict"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import pg from "pg"
import { sealV1 } from "../../core/auth/testing.ts"
import { killAgent, originOf, spawnAgent, usePair } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

/**
 * #16 (C5, R6, R11): two agents, each with its own data folder's `secret.key`, one cluster secret. Each VM request
 * goes to the agent of the VM's host (forwarding), so the VMs live on B and their passwords were sealed elsewhere.
 */
describe("a VM's password on every host of a cluster (#16)", { skip }, () => {
  let sql: pg.Client | undefined
  // before the pair's own after hook, which drops the database under open connections
  after(() => sql?.end())
  const pairOf = usePair(adminUrl, "hx-passwords-")
  const db = async () => {
    if (sql === undefined) {
      sql = new pg.Client({ connectionString: pairOf().databaseUrl })
      await sql.connect()
    }
    return sql
  }
  const sealedOf = async (vmId: string) =>
    (await (await db()).query("select password_cipher from vms where id = $1", [vmId])).rows[0]
      ?.password_cipher as string

  it("R6 a password given through agent A to a VM on host B is shown through B, and through A (forwarded)", async () => {
    const pair = pairOf()
    await db()
    const vmId = await pair.vmOn(pair.hostB, "pw_on_b", { password: "Secret123x", start: false })
    assert.match(await sealedOf(vmId), /^v2\.c/, "sealed under the cluster's key")
    for (const origin of [pair.originB, pair.originA]) {
      const shown = await pair.api(origin, "POST", `/vms/${vmId}/password`)
      assert.equal(shown.status, 200, JSON.stringify(shown.body))
      assert.equal(shown.body.password, "Secret123x")
    }
  })

  // Both starts at once: each agent's start costs 10–15 s on a busy CI machine.
  it("#16 at its start A re-seals the v1 password it sealed before (409 on B until then); an agent with another cluster secret warns", async () => {
    const pair = pairOf()
    await db()
    const vmId = await pair.vmOn(pair.hostB, "pw_v1", { password: "Secret123x", start: false })
    killAgent(pair.a)
    const hostKeyA = readFileSync(join(pair.folder, "a", "secret.key"))
    await (await db()).query("update vms set password_cipher = $1 where id = $2", [sealV1(hostKeyA, "Before16x"), vmId])
    const refused = await pair.api(pair.originB, "POST", `/vms/${vmId}/password`)
    assert.equal(refused.status, 409, JSON.stringify(refused.body))
    assert.equal(refused.body.error.code, "secret-unreadable")
    assert.match(refused.body.error.message, /reset the password/)
    const otherSecret = join(pair.folder, "other-secret")
    writeFileSync(otherSecret, "d".repeat(48), { mode: 0o600 })
    const again = spawnAgent(pair.databaseUrl, join(pair.folder, "a"), "node-a", [
      "--cluster-secret-file",
      join(pair.folder, "cluster-secret"),
    ])
    const stranger = spawnAgent(pair.databaseUrl, join(pair.folder, "c"), "node-c", [
      "--cluster-secret-file",
      otherSecret,
    ])
    try {
      await Promise.all([originOf(again), originOf(stranger)])
      assert.match(again.stdout, /Re-sealed 1 VM password\(s\) under the cluster's key c/)
      assert.match(await sealedOf(vmId), /^v2\.c/)
      const shown = await pair.api(pair.originB, "POST", `/vms/${vmId}/password`)
      assert.equal(shown.status, 200, JSON.stringify(shown.body))
      assert.equal(shown.body.password, "Before16x")
      assert.match(
        stranger.stdout,
        /VM passwords sealed under another cluster key \(\d+ under c[\w-]+; this agent's is c/,
      )
    } finally {
      killAgent(again)
      killAgent(stranger)
    }
  })
})
