import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { type Core, useCore } from "../../test-support/core.ts"
import { HostConfig } from "../config.ts"
import { showPassword } from "../operations/edit.ts"
import { resetPassword } from "../operations/password.ts"
import { seedVm } from "../operations/testing/world.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { resealVmSecrets } from "./reseal.ts"
import { clusterSealingKey, keyringOf } from "./sealing-keys.ts"
import { SecretUnreadable } from "./secrets.ts"
import { sealV1 } from "./testing.ts"

const clusterSecret = Buffer.from("s".repeat(24) + "t".repeat(24))

/**
 * #16 (C5, R6, R11): several agents on one PostgreSQL, each with its own data folder's key; a, b share the cluster
 * secret, the stranger was given another one. Each is the core with that agent's keys (the same database and world).
 */
for (const backend of storeBackends) {
  describe(`VM passwords across a cluster's agents on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const agentWith = (secret: Buffer | undefined, previous?: Buffer) => {
      const keys = {
        secretKey: randomBytes(32),
        clusterKey: secret === undefined ? undefined : clusterSealingKey(secret),
        previousClusterKey: previous === undefined ? undefined : clusterSealingKey(previous),
      }
      // The same core, as an agent with these keys would run it.
      const run: Core["run"] = (effect) =>
        core.run(Effect.provideService(effect, HostConfig, { ...core.host, ...keys }))
      return { secretKey: keys.secretKey, keyring: keyringOf(keys), run }
    }
    const a = agentWith(clusterSecret)
    const b = agentWith(clusterSecret)
    const stranger = agentWith(Buffer.from("u".repeat(48)))
    const sealedOf = (vmId: string) => core.run(Store.use((s) => s.vms.get(vmId))).then((vm) => vm.passwordCipher)
    const freshVm = (passwordCipher: string | null = null) => core.run(seedVm(core.world, { passwordCipher }))
    const owner = () => core.world.actors.owner

    it("R11 R6 a password reset through agent A is shown through agent B (another host key, the same cluster)", async () => {
      const vm = await freshVm()
      await a.run(resetPassword(owner(), vm.id, "Secret123x"))
      assert.match((await sealedOf(vm.id)) ?? "", new RegExp(`^v2\\.${a.keyring.sealing.id}\\.`))
      const shown = await b.run(showPassword(owner(), vm.id))
      assert.equal(shown.password, "Secret123x")
    })

    it("R6 an agent given another cluster secret answers SecretUnreadable naming the key, and changes nothing", async () => {
      const vm = await freshVm()
      await a.run(resetPassword(owner(), vm.id, "Secret123x"))
      const before = await core.run(Store.use((s) => s.vms.get(vm.id)))
      const error = await stranger.run(Effect.flip(showPassword(owner(), vm.id)))
      assert.ok(error instanceof SecretUnreadable, `a typed error, not ${String(error)}`)
      assert.deepEqual([error.reason, error.keyId], ["unknown-key", a.keyring.sealing.id])
      const after = await core.run(Store.use((s) => s.vms.get(vm.id)))
      assert.equal(after.passwordCipher, before.passwordCipher)
      assert.equal(after.version, before.version)
      const tasks = await core.run(Store.use((s) => s.tasks.list({ vmId: vm.id })))
      const reading = tasks.find((task) => task.operation === "vm.show-password")
      assert.equal(reading?.state, "failed")
      assert.equal(reading?.error?.code, "secret-unreadable")
    })

    it("#16 a v1 value sealed by A's own key is re-sealed under the cluster's key at A's start; B's waits for B", async () => {
      const ofA = await freshVm(sealV1(a.secretKey, "FromA1234"))
      const ofB = await freshVm(sealV1(b.secretKey, "FromB1234"))
      const oldB = await sealedOf(ofB.id)
      const viaB = await b.run(Effect.flip(showPassword(owner(), ofA.id)))
      assert.ok(viaB instanceof SecretUnreadable, "before: B cannot open A's v1 value (the bug)")
      const first = await a.run(resealVmSecrets())
      assert.ok(first.resealed >= 1)
      assert.ok((first.left.get("v1") ?? 0) >= 1, "B's v1 value is left for B")
      const resealed = await sealedOf(ofA.id)
      assert.match(resealed ?? "", new RegExp(`^v2\\.${a.keyring.sealing.id}\\.`))
      assert.equal(await sealedOf(ofB.id), oldB, "what A cannot open is left as it was")
      assert.equal((await b.run(showPassword(owner(), ofA.id))).password, "FromA1234")
      const again = await a.run(resealVmSecrets())
      assert.equal(await sealedOf(ofA.id), resealed, "a second start finds nothing of A's to do")
      assert.equal(again.resealed, 0)
      await b.run(resealVmSecrets())
      assert.equal((await a.run(showPassword(owner(), ofB.id))).password, "FromB1234")
      const vm = await core.run(Store.use((s) => s.vms.get(ofA.id)))
      assert.equal(vm.version, ofA.version, "re-sealing is no change of the VM (no version, no conflict)")
    })

    it("#16 two starts re-sealing at once re-seal each value once; a reset meanwhile is never overwritten", async () => {
      const vms = await Promise.all(Array.from({ length: 12 }, (_, i) => freshVm(sealV1(a.secretKey, `Parallel${i}x`))))
      const [one, two] = await Promise.all([a.run(resealVmSecrets()), a.run(resealVmSecrets())])
      assert.equal(one.resealed + two.resealed, vms.length, "each value re-sealed by exactly one of them")
      for (const [i, vm] of vms.entries()) {
        assert.equal((await b.run(showPassword(owner(), vm.id))).password, `Parallel${i}x`)
      }
      const raced = await freshVm(sealV1(a.secretKey, "OldOne123"))
      const stale = (await sealedOf(raced.id)) ?? ""
      await b.run(resetPassword(owner(), raced.id, "NewOne123"))
      const replaced = await core.run(Store.use((s) => s.vmSecrets.replace(raced.id, stale, "v2.x.y.z.w")))
      assert.equal(replaced, false, "a re-seal of the value read before the reset writes nothing")
      assert.equal((await a.run(showPassword(owner(), raced.id))).password, "NewOne123")
    })

    it("#16 rotating the cluster secret: an agent given the new and the old re-seals the old one's passwords for all", async () => {
      const newSecret = Buffer.from("n".repeat(48))
      const vms = [await freshVm(), await freshVm()]
      for (const vm of vms) await a.run(resetPassword(owner(), vm.id, "Rotated12"))
      const rotating = agentWith(newSecret, clusterSecret)
      const rotated = agentWith(newSecret)
      const refused = await rotated.run(Effect.flip(showPassword(owner(), vms[0]?.id ?? "")))
      assert.ok(refused instanceof SecretUnreadable, "the new secret alone does not open the old one's passwords")
      const result = await rotating.run(resealVmSecrets())
      assert.ok(result.resealed >= vms.length)
      for (const vm of vms) {
        assert.match((await sealedOf(vm.id)) ?? "", new RegExp(`^v2\\.${rotated.keyring.sealing.id}\\.`))
        assert.equal((await rotated.run(showPassword(owner(), vm.id))).password, "Rotated12")
      }
    })

    it("#16 the rows to re-seal: a key id's '_' matches itself only (LIKE)", async () => {
      const vm = await freshVm("v2.hA1bC2dE3fG.iv.tag.body")
      const listed = await core.run(Store.use((s) => s.vmSecrets.notSealedUnder("hA1bC2dE3f_")))
      assert.ok(
        listed.some((row) => row.vmId === vm.id),
        "another key's value is listed",
      )
      const own = await core.run(Store.use((s) => s.vmSecrets.notSealedUnder("hA1bC2dE3fG")))
      assert.ok(!own.some((row) => row.vmId === vm.id), "a value under the key itself is not")
    })

    it("a lone agent (no cluster secret) seals under its own key and re-seals nothing", async () => {
      const lone = agentWith(undefined)
      const vm = await freshVm(sealV1(lone.secretKey, "Alone1234"))
      assert.equal((await lone.run(resealVmSecrets())).resealed, 0)
      assert.equal((await lone.run(showPassword(owner(), vm.id))).password, "Alone1234")
      await lone.run(resetPassword(owner(), vm.id, "Alone5678"))
      assert.match((await sealedOf(vm.id)) ?? "", new RegExp(`^v2\\.${lone.keyring.host.id}\\.`))
    })
  })
}
