import assert from "node:assert/strict"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { scratchDatabase } from "../../core/store/testing.ts"
import { StartError } from "../start/start-error.ts"
import { connect, eventsOf } from "../ws/testing.ts"
import { readClusterSecret } from "./secret.ts"
import { forwardHeaders, signForward } from "./signature.ts"
import { type AgentRun, killAgent, pairSecret as secret, startPair, tokenOf } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

describe("the cluster secret file (#16)", () => {
  it("#16 is read only when no one but its owner may read it, and only when long enough", () => {
    const folder = mkdtempSync(join(tmpdir(), "hx-secret-"))
    try {
      const file = join(folder, "secret")
      writeFileSync(file, `${secret}\n`, { mode: 0o644 })
      assert.throws(
        () => readClusterSecret(file),
        (e) => e instanceof StartError && /chmod 600/.test(e.message),
      )
      chmodSync(file, 0o600)
      assert.equal(readClusterSecret(file).toString(), secret)
      writeFileSync(file, "short", { mode: 0o600 })
      assert.throws(() => readClusterSecret(file), /shorter than 32/)
      assert.throws(() => readClusterSecret(join(folder, "none")), /does not exist/)
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
})

describe("forwarding between two agents on one PostgreSQL (#16)", { skip }, () => {
  const folder = mkdtempSync(join(tmpdir(), "hx-forward-"))
  const runs: Array<AgentRun> = []
  const scope = Effect.runSync(Scope.make())
  after(async () => {
    for (const run of runs) killAgent(run)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(folder, { recursive: true, force: true })
  })

  it("#16 a VM placed on the other host is provisioned and driven there through either agent; forged, stale and replayed forwards are refused", async () => {
    const db = await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))
    const { a, originA, originB, hostA, hostB, api, settled, vmOn } = await startPair(folder, db.url, runs)
    // Node A drained: a create sent to A is placed on B, and B's agent provisions it (its fake driver).
    const vmId = await vmOn(hostB, "on_b")
    const vm = async () => (await api(originA, "GET", `/vms/${vmId}`)).body.vm
    assert.deepEqual([(await vm()).hostId, (await vm()).state], [hostB, "running"])
    const callerId = (await api(originA, "GET", `/tasks?vmId=${vmId}`)).body.items[0].userId as string

    // A stop sent to A runs on B: A's answer is B's, and the task ends there; A's event stream carries B's events.
    const events = await connect(`${originA.replace("http", "ws")}/api/v1/events`, {
      protocols: ["hyperx.v1", `hyperx.bearer.${tokenOf(a)}`],
    })
    const stopped = await api(originA, "POST", `/vms/${vmId}/stop`, { force: true })
    assert.equal(stopped.status, 202, JSON.stringify(stopped.body))
    assert.equal(stopped.response.headers.get("x-hyperx-answered-by"), hostB)
    assert.equal(await settled(stopped.body.task.id), "succeeded")
    assert.equal((await vm()).state, "stopped")
    await events.until(
      "B's state change on A's event stream",
      () => eventsOf(events).some((e) => e._tag === "vm-state" && e.vmId === vmId && e.to === "stopped"),
      30_000,
    )
    events.close()

    // Forwards made by hand to B: the caller is the superadmin; the path is B's start route.
    const path = `/api/v1/vms/${vmId}/start`
    const body = new TextEncoder().encode("{}")
    const forward = async (key: string, at: number) => {
      const facts = { method: "POST", path, body, at, callerId, from: hostA }
      const response = await fetch(`${originB}${path}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          [forwardHeaders.caller]: callerId,
          [forwardHeaders.from]: hostA,
          [forwardHeaders.at]: String(at),
          [forwardHeaders.signature]: signForward(Buffer.from(key), facts),
        },
        body,
      })
      const answer = (await response.json()) as { error?: { code: string; message: string }; task?: { id: string } }
      return { status: response.status, code: answer.error?.code, message: answer.error?.message ?? "", answer }
    }
    const forged = await forward("z".repeat(48), Date.now())
    assert.deepEqual([forged.status, forged.code], [401, "forward-refused"])
    assert.match(forged.message, /bad-signature/)
    const stale = await forward(secret, Date.now() - 60_000)
    assert.deepEqual([stale.status, stale.code], [401, "forward-refused"])
    assert.match(stale.message, /stale/)
    assert.equal((await vm()).state, "stopped", "a refused forward changes nothing")
    // A good forward works once; the same bytes again are a replay.
    const at = Date.now()
    const good = await forward(secret, at)
    assert.equal(good.status, 202, JSON.stringify(good.answer))
    const again = await forward(secret, at)
    assert.deepEqual([again.status, again.code], [401, "forward-refused"])
    assert.match(again.message, /replayed/)
    assert.equal(await settled(good.answer.task?.id ?? ""), "succeeded")

    // The cluster's own route is not for clients.
    const direct = await api(originB, "POST", `/cluster/vms/${vmId}/provision`, { start: true })
    assert.equal(direct.status, 403)
  })
})
