import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { clusterSealingKey, keyringOf } from "./sealing-keys.ts"
import { openSecret, SecretUnreadable, sealSecret } from "./secrets.ts"
import { sealV1 } from "./testing.ts"

const open = (keyring: ReturnType<typeof keyringOf>, sealed: string) =>
  Effect.runPromise(Effect.result(openSecret(keyring, sealed)))

const failureOf = async (keyring: ReturnType<typeof keyringOf>, sealed: string) => {
  const result = await open(keyring, sealed)
  assert.equal(result._tag, "Failure", "it does not open")
  if (result._tag !== "Failure") throw new Error("unreachable")
  assert.ok(result.failure instanceof SecretUnreadable)
  return result.failure
}

const opened = async (keyring: ReturnType<typeof keyringOf>, sealed: string) => {
  const result = await open(keyring, sealed)
  if (result._tag !== "Success") throw new Error(`did not open: ${result.failure.message}`)
  return result.success
}

const secret = "x".repeat(48)

describe("VM secrets at rest (R6, R11, #16)", () => {
  it("R6 a VM password is sealed with AES-GCM under a named key, opens with it, and fails typed without it", async () => {
    const lone = keyringOf({ secretKey: randomBytes(32) })
    const sealed = sealSecret(lone, "Secret123!")
    assert.ok(!sealed.includes("Secret123!"))
    assert.equal(sealed.split(".")[0], "v2")
    assert.equal(sealed.split(".")[1], lone.sealing.id, "the envelope names the key that sealed it")
    assert.match(lone.sealing.id, /^h[A-Za-z0-9_-]{11}$/, "a lone agent seals under its own key (h…)")
    assert.notEqual(sealSecret(lone, "Secret123!"), sealed, "a fresh IV each time")
    assert.equal(await opened(lone, sealed), "Secret123!")
    const other = await failureOf(keyringOf({ secretKey: randomBytes(32) }), sealed)
    assert.equal(other.reason, "unknown-key")
    assert.equal(other.keyId, lone.sealing.id)
    assert.match(other.message, /reset the password/)
  })

  it("#16 agents with different host keys and one cluster secret open each other's seals; another secret cannot", async () => {
    const a = keyringOf({ secretKey: randomBytes(32), clusterKey: clusterSealingKey(Buffer.from(secret)) })
    const b = keyringOf({ secretKey: randomBytes(32), clusterKey: clusterSealingKey(Buffer.from(secret)) })
    const stranger = keyringOf({
      secretKey: randomBytes(32),
      clusterKey: clusterSealingKey(Buffer.from("y".repeat(48))),
    })
    assert.equal(a.sealing.id, b.sealing.id, "one cluster, one key id")
    assert.match(a.sealing.id, /^c/)
    assert.notEqual(a.sealing.key.toString("hex"), Buffer.from(secret).subarray(0, 32).toString("hex"))
    const sealed = sealSecret(a, "Hunter2Go")
    assert.equal(await opened(b, sealed), "Hunter2Go")
    const refused = await failureOf(stranger, sealed)
    assert.deepEqual([refused.reason, refused.keyId], ["unknown-key", a.sealing.id])
  })

  it("#16 while the cluster secret is rotated, the old secret's key opens and the new one seals", async () => {
    const old = clusterSealingKey(Buffer.from(secret))
    const before = keyringOf({ secretKey: randomBytes(32), clusterKey: old })
    const rotating = keyringOf({
      secretKey: randomBytes(32),
      clusterKey: clusterSealingKey(Buffer.from("z".repeat(48))),
      previousClusterKey: old,
    })
    assert.equal(await opened(rotating, sealSecret(before, "Rotate123")), "Rotate123")
    const resealed = sealSecret(rotating, "Rotate123")
    assert.equal(resealed.split(".")[1], rotating.sealing.id)
    assert.equal((await failureOf(before, resealed)).reason, "unknown-key", "an agent still on the old secret cannot")
  })

  it("#16 a v1 value (the host's own key, before key ids) still opens on its host, and fails typed elsewhere", async () => {
    const hostKey = randomBytes(32)
    const old = sealV1(hostKey, "OldPass99")
    const clustered = keyringOf({ secretKey: hostKey, clusterKey: clusterSealingKey(Buffer.from(secret)) })
    assert.equal(await opened(clustered, old), "OldPass99")
    const elsewhere = await failureOf(keyringOf({ secretKey: randomBytes(32) }), old)
    assert.deepEqual([elsewhere.reason, elsewhere.keyId], ["unknown-key", null])
  })

  it("R6 a damaged or re-labelled seal fails typed (never garbage)", async () => {
    const ring = keyringOf({ secretKey: randomBytes(32), clusterKey: clusterSealingKey(Buffer.from(secret)) })
    const [v, id, iv, tag, body] = sealSecret(ring, "Secret123!").split(".")
    const tampered = [v, id, iv, tag, `AA${body?.slice(2)}`].join(".")
    assert.equal((await failureOf(ring, tampered)).reason, "damaged")
    // a seal passed off under another key id of the ring does not open either
    const relabelled = [v, ring.host.id, iv, tag, body].join(".")
    assert.equal((await failureOf(ring, relabelled)).reason, "damaged")
    assert.equal((await failureOf(ring, "plain text")).reason, "damaged")
  })
})
