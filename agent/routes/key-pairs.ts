import { Schema } from "effect"
import { Hono } from "hono"
import { createKeyPair, deleteKeyPair, listKeyPairs } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"

const tag = "Key pairs"

export const KeyPairSchema = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  /** One OpenSSH line, "type base64". */
  publicKey: Schema.String,
  /** SHA256:… as ssh-keygen -l prints it. */
  fingerprint: Schema.String,
  createdAt: Schema.String,
}).annotate({ identifier: "KeyPair" })

const KeyPairCreate = Schema.Struct({
  name: Schema.String.check(Schema.isMaxLength(64)),
  /** An OpenSSH public key to import; absent: a new pair is made and its private key shown once. */
  publicKey: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(16_384))),
}).annotate({ identifier: "KeyPairCreate" })

const KeyPairCreated = Schema.Struct({
  keyPair: KeyPairSchema,
  /** PEM; only for a pair made here, only in this answer: it is never stored. */
  privateKey: Schema.NullOr(Schema.String),
}).annotate({ identifier: "KeyPairCreated" })

export const keyPairView = (keyPair: {
  id: string
  name: string
  publicKey: string
  fingerprint: string
  createdAt: Date
}) => ({
  id: keyPair.id,
  name: keyPair.name,
  publicKey: keyPair.publicKey,
  fingerprint: keyPair.fingerprint,
  createdAt: keyPair.createdAt.toISOString(),
})

/** /api/v1/key-pairs: the caller's SSH key pairs (R13, X5). */
export const keyPairRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "The caller's key pairs, newest first (R13, X5)",
        ok: { 200: json("The key pairs", Schema.Struct({ items: Schema.Array(KeyPairSchema) })) },
        errors: [400],
      }),
      async (c) => c.json({ items: (await runEffect(c, listKeyPairs(c.var.actor))).map(keyPairView) }),
    )
    .post(
      "/",
      doc({
        tag,
        summary: "Import a public key, or make a new key pair whose private key is shown once (R13, X5)",
        description:
          "The name is unique per user (400 otherwise). An imported key is one OpenSSH line of type ssh-ed25519, " +
          "ssh-rsa or ecdsa-sha2-* (400 otherwise). Without one, an RSA 3072 pair is made: the answer holds its " +
          "private key (PEM) once; the agent never stores it.",
        ok: { 201: json("The key pair, with the private key of a pair made here", KeyPairCreated) },
        errors: [400, 415],
      }),
      jsonBody(KeyPairCreate),
      async (c) => {
        const made = await runEffect(c, createKeyPair(c.var.actor, c.req.valid("json")))
        return c.json({ keyPair: keyPairView(made.keyPair), privateKey: made.privateKey }, 201)
      },
    )
    .delete(
      "/:id",
      doc({
        tag,
        summary: "Delete one of the caller's key pairs; VMs that had it keep the key in their guests",
        ok: { 204: { description: "Deleted" } },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) => {
        await runEffect(c, deleteKeyPair(c.var.actor, c.req.valid("param").id))
        return c.body(null, 204)
      },
    )
