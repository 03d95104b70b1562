/**
 * R13, X5 through the API (fake driver, real PostgreSQL): key pairs per user (made with the private key shown once,
 * or imported; listed; deleted), the login method switched both ways with its refusals by name, the VM's key set
 * while stopped. The guest's authorized_keys is proven on QEMU (core/operations/login.qemu.test.ts).
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { runningVm, stop } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

// biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely, as an API client would
type Json = any

const refusal = (reply: { status: number; body: Json }) => `${reply.status} ${reply.body?.error?.rule}`

for (const backend of storeBackends) {
  describe(`key pairs and login method through the API on ${backend.name} (R13, X5)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("key pairs: made with the private key once, imported, listed per user, deleted", async () => {
      const made = await agent.call("POST", "/api/v1/key-pairs", { body: { name: "laptop" } })
      assert.equal(made.status, 201, JSON.stringify(made.body))
      assert.match(made.body.privateKey, /^-----BEGIN RSA PRIVATE KEY-----/)
      assert.match(made.body.keyPair.publicKey, /^ssh-rsa AAAA/)
      const again = await agent.call("POST", "/api/v1/key-pairs", { body: { name: "laptop" } })
      assert.equal(again.status, 400, "a name is unique per user")
      const imported = await agent.call("POST", "/api/v1/key-pairs", {
        body: { name: "imported", publicKey: `${made.body.keyPair.publicKey} me@host` },
      })
      assert.equal(imported.status, 201, JSON.stringify(imported.body))
      assert.deepEqual(
        [imported.body.privateKey, imported.body.keyPair.fingerprint],
        [null, made.body.keyPair.fingerprint],
      )
      const bad = await agent.call("POST", "/api/v1/key-pairs", { body: { name: "bad", publicKey: "ssh-rsa nope!" } })
      assert.equal(bad.status, 400)
      const mine = (await agent.call("GET", "/api/v1/key-pairs")).body.items.map((k: Json) => k.name)
      assert.deepEqual(mine, ["imported", "laptop"])
      assert.equal(JSON.stringify((await agent.call("GET", "/api/v1/key-pairs")).body).includes("PRIVATE"), false)
      const theirs = (await agent.call("GET", "/api/v1/key-pairs", { as: "salesUser" })).body.items
      assert.deepEqual(theirs, [], "another user sees none of them")
      const stolen = await agent.call("DELETE", `/api/v1/key-pairs/${imported.body.keyPair.id}`, { as: "salesUser" })
      assert.equal(stolen.status, 404)
      const removed = await agent.call("DELETE", `/api/v1/key-pairs/${imported.body.keyPair.id}`)
      assert.equal(removed.status, 204)
      assert.equal((await agent.call("GET", "/api/v1/key-pairs")).body.items.length, 1)
    })

    it("R13 X5 switch to SSH key and back, with refusals by name; the key is set while stopped only", async () => {
      const { vm } = await runningVm(agent)
      const key = (await agent.call("POST", "/api/v1/key-pairs", { body: { name: "vm-key" } })).body.keyPair
      const other = (await agent.call("POST", "/api/v1/key-pairs", { as: "salesUser", body: { name: "x" } })).body
        .keyPair
      const switchTo = (body: Json) => agent.call("POST", `/api/v1/vms/${vm.id}/login-method`, { body })
      assert.equal(refusal(await switchTo({ method: "password", password: "Chosen2Go" })), "422 login-method-unchanged")
      assert.equal(refusal(await switchTo({ method: "ssh-key" })), "422 key-pair-required")
      const foreign = await agent.call("POST", `/api/v1/vms/${vm.id}/login-method`, {
        as: "superadmin",
        body: { method: "ssh-key", keyPairId: other.id },
      })
      assert.equal(refusal(foreign), "403 key-pair-owner")
      const switched = await switchTo({ method: "ssh-key", keyPairId: key.id })
      assert.equal(switched.status, 200, JSON.stringify(switched.body))
      const after = await agent.run(Store.use((s) => s.vms.get(vm.id)))
      assert.deepEqual([after.loginMethod, after.keyPairId, after.passwordCipher], ["ssh-key", key.id, null])
      const reset = await agent.call("POST", `/api/v1/vms/${vm.id}/reset-password`, { body: {} })
      assert.equal(refusal(reset), "409 stopped-only")
      await stop(agent, vm.id)
      assert.equal(
        refusal(await agent.call("POST", `/api/v1/vms/${vm.id}/reset-password`, { body: {} })),
        "409 ssh-login-no-password-reset",
      )
      const held = async () =>
        (await agent.call("GET", `/api/v1/vms/${vm.id}/ssh-keys`)).body.items.map((k: Json) => k.name)
      assert.deepEqual(await held(), ["vm-key"], "the key the switch chose")
      const second = (await agent.call("POST", "/api/v1/key-pairs", { body: { name: "vm-key-2" } })).body.keyPair
      const setKeys = (keyPairIds: ReadonlyArray<string>) =>
        agent.call("POST", `/api/v1/vms/${vm.id}/ssh-keys`, { body: { keyPairIds } })
      // X5 "选择需要启用的密钥": several key pairs, in the order chosen
      const set = await setKeys([second.id, key.id])
      assert.equal(set.status, 200, JSON.stringify(set.body))
      assert.deepEqual(set.body.task.result, { keyPairIds: [second.id, key.id] })
      assert.deepEqual(await held(), ["vm-key-2", "vm-key"])
      assert.equal((await agent.run(Store.use((s) => s.vms.get(vm.id)))).keyPairId, second.id)
      assert.equal((await setKeys([key.id, key.id])).status, 400, "each key pair once")
      assert.equal((await setKeys([])).status, 400, "at least one")
      assert.equal((await setKeys(Array.from({ length: 17 }, (_, i) => `k${i}`))).status, 400, "at most 16")
      assert.equal(refusal(await setKeys([second.id, other.id])), "403 key-pair-owner")
      assert.deepEqual(await held(), ["vm-key-2", "vm-key"], "a refusal changes nothing")
      // R8: a clone holds the source's key pairs
      const cloned = await agent.call("POST", `/api/v1/vms/${vm.id}/clone`, { body: { name: "keyed_copy" } })
      assert.equal(cloned.status, 202, JSON.stringify(cloned.body))
      const cloneTask = await agent.settle(cloned.body.task.id)
      assert.equal(cloneTask.state, "succeeded", JSON.stringify(cloneTask.error))
      const cloneKeys = await agent.call("GET", `/api/v1/vms/${(cloneTask.params as Json).cloneId}/ssh-keys`)
      assert.deepEqual(
        cloneKeys.body.items.map((k: Json) => k.name),
        ["vm-key-2", "vm-key"],
      )
      // "卸载": the one left out is no longer the VM's; a deleted key pair leaves the VM too
      assert.equal((await setKeys([second.id])).status, 200)
      assert.deepEqual(await held(), ["vm-key-2"])
      assert.equal((await setKeys([key.id, second.id])).status, 200)
      assert.equal((await agent.call("DELETE", `/api/v1/key-pairs/${key.id}`)).status, 204)
      assert.deepEqual(await held(), ["vm-key-2"])
      const hidden = await agent.call("GET", `/api/v1/vms/${vm.id}/ssh-keys`, { as: "salesUser" })
      assert.equal(hidden.status, 404, "another department's VM is not found")
      assert.equal(refusal(await switchTo({ method: "password" })), "422 password-required")
      assert.equal((await switchTo({ method: "password", password: "Back2Pass" })).status, 200)
      const back = await agent.run(Store.use((s) => s.vms.get(vm.id)))
      assert.deepEqual([back.loginMethod, back.passwordPending], ["password", true])
      assert.equal(
        refusal(await agent.call("POST", `/api/v1/vms/${vm.id}/ssh-keys`, { body: { keyPairIds: [second.id] } })),
        "409 ssh-key-login-only",
      )
    })
  })
}
