import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { InvalidInput, NotFound } from "../errors.ts"
import { generateKeyPair, parsePublicKey } from "../keys/ssh-key.ts"
import type { KeyPair } from "../model/extras.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"

/** R13, X5: a new key pair of the caller's: an imported public key, or one made here. */
export interface KeyPairRequest {
  readonly name: string
  /** An OpenSSH public key line; absent: a new pair is made and its private key shown once. */
  readonly publicKey?: string
}

/** R13, X5: the caller's key pairs, newest first (a key pair is its user's own: nobody else lists it). */
export const listKeyPairs = Effect.fn("operations.listKeyPairs")(function* (actor: Actor) {
  const store = yield* Store
  const mine = yield* store.keyPairs.list({ userId: actor.userId })
  return [...mine].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
})

/**
 * R13, X5: create a key pair for the caller: import a public key (refused unless it is one OpenSSH line of a known key
 * type), or make an RSA 3072 pair whose private key is in the answer only: it is never stored. Names are unique per
 * user.
 */
export const createKeyPair = Effect.fn("operations.createKeyPair")(function* (actor: Actor, request: KeyPairRequest) {
  const store = yield* Store
  const name = request.name.trim()
  if (name === "" || name.length > 64)
    return yield* new InvalidInput({ message: "A key pair's name is 1 to 64 characters" })
  const imported = request.publicKey === undefined ? undefined : parsePublicKey(request.publicKey)
  if (request.publicKey !== undefined && imported === undefined) {
    return yield* new InvalidInput({
      message: "publicKey is not an OpenSSH public key (ssh-ed25519, ssh-rsa, ecdsa-sha2-*)",
    })
  }
  if ((yield* store.keyPairs.list({ userId: actor.userId, name })).length > 0) {
    return yield* new InvalidInput({ message: `You already have a key pair named ${name}` })
  }
  const key = imported ?? (yield* Effect.promise(generateKeyPair))
  const keyPair: KeyPair = {
    id: randomUUID(),
    userId: actor.userId,
    name,
    publicKey: key.publicKey,
    fingerprint: key.fingerprint,
    createdAt: yield* now,
  }
  const inserted = yield* store.keyPairs.insert(keyPair)
  return { keyPair: inserted, privateKey: "privateKey" in key ? key.privateKey : null }
})

/**
 * R13, X5: delete one of the caller's key pairs; VMs that had it no longer hold it (vm_key_pairs and vms.key_pair_id
 * let go of it); their guests keep the key until a start writes the keys they still hold (none held: nothing written).
 */
export const deleteKeyPair = Effect.fn("operations.deleteKeyPair")(function* (actor: Actor, id: string) {
  const store = yield* Store
  const keyPair = yield* store.keyPairs.get(id)
  if (keyPair.userId !== actor.userId) return yield* new NotFound({ resource: "key pair", id })
  yield* store.keyPairs.remove(id)
})
