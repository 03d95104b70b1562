import { Schema } from "effect"
import { Hono } from "hono"
import { changeLoginMethod, listVmKeyPairs, setSshKeys } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { TaskSchema } from "../vms/responses.ts"
import { KeyPairSchema, keyPairView } from "./key-pairs.ts"

const tag = "VM actions"
const refusals = [400, 403, 404, 409, 415, 422]

const LoginMethodBody = Schema.Struct({
  method: Schema.Literals(["password", "ssh-key"]),
  /** To SSH key: one of the VM owner's key pairs (rules key-pair-required, key-pair-owner). */
  keyPairId: Schema.optionalKey(ApiId),
  /** To password: the new one, 6–32 characters mixing cases and digits (rules password-required, password-format). */
  password: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(64))),
}).annotate({ identifier: "VmLoginMethod" })

/** X5: at most this many key pairs on one VM. */
const MAX_VM_KEY_PAIRS = 16

const SshKeysBody = Schema.Struct({
  /**
   * The owner's key pairs the VM holds from now on, 1 to 16, each once; they replace the VM's (rules
   * key-pair-required, key-pair-owner).
   */
  keyPairIds: Schema.Array(ApiId).check(
    Schema.isMinLength(1),
    Schema.isMaxLength(MAX_VM_KEY_PAIRS),
    Schema.isUnique({ message: "Expected each key pair once" }),
  ),
}).annotate({ identifier: "VmSshKeys" })

const Recorded = Schema.Struct({ task: TaskSchema }).annotate({ identifier: "VmLoginRecorded" })

/** /api/v1/vms/{id}/…: how the guest is logged into: password or SSH key (R13), and the VM's key (X5). */
export const vmLoginRoutes = () =>
  new Hono<AgentEnv>()
    .post(
      "/:id/login-method",
      doc({
        tag,
        summary: "Switch a Linux VM's login between password and SSH key; the guest takes it at its next start (R13)",
        description:
          "Linux only (409 linux-only); running or stopped (409 lifecycle-state); another method than the VM's " +
          "(422 login-method-unchanged). To SSH key: a key pair of the VM's owner (422 key-pair-required, 403 " +
          "key-pair-owner); the password is forgotten and cannot be reset while key login is on (409 " +
          "ssh-login-no-password-reset). To password: a new one (422 password-required, password-format). At the " +
          "VM's next start the guest agent writes the key into root's authorized_keys, or sets the password.",
        ok: { 200: json("The task that recorded the switch", Recorded) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(LoginMethodBody),
      async (c) => {
        const { task } = await runEffect(
          c,
          changeLoginMethod(c.var.actor, c.req.valid("param").id, c.req.valid("json")),
        )
        return c.json({ task })
      },
    )
    .get(
      "/:id/ssh-keys",
      doc({
        tag,
        summary: "The key pairs a VM holds: its guest's root authorized_keys from its next start (X5)",
        ok: { 200: json("The key pairs, in the order set", Schema.Struct({ items: Schema.Array(KeyPairSchema) })) },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) =>
        c.json({ items: (await runEffect(c, listVmKeyPairs(c.var.actor, c.req.valid("param").id))).map(keyPairView) }),
    )
    .post(
      "/:id/ssh-keys",
      doc({
        tag,
        summary: "Set a stopped VM's SSH key pairs (1–16); the guest takes them at its next start (X5)",
        description:
          "The key pairs listed replace the VM's (one left out is removed from the guest at its next start). " +
          "Stopped only (409 stopped-only), Linux only (409 linux-only), login by SSH key (409 ssh-key-login-only); " +
          "key pairs of the VM's owner (403 key-pair-owner), each once (400).",
        ok: { 200: json("The task that recorded the keys", Recorded) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(SshKeysBody),
      async (c) => {
        const { task } = await runEffect(
          c,
          setSshKeys(c.var.actor, c.req.valid("param").id, c.req.valid("json").keyPairIds),
        )
        return c.json({ task })
      },
    )
