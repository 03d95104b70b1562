import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Cause } from "effect"
import { SecretUnreadable } from "../../core/auth/secrets.ts"
import { DriverError, HypervisorFailure, Unsupported } from "../../core/driver/errors.ts"
import {
  InvalidInput,
  NotFound,
  PreconditionFailed,
  RuleViolation,
  StoreError,
  VersionConflict,
} from "../../core/errors.ts"
import { taskErrorOf } from "../../core/operations/tasks.ts"
import { apiErrorOfFailure } from "./from-cause.ts"

const refusal = (kind: RuleViolation["kind"], rule: string) =>
  new RuleViolation({ rule, operation: "vm.delete", kind, message: "refused", messageZh: "拒绝" })

const failures: ReadonlyArray<readonly [string, unknown]> = [
  ["a role refusal", refusal("forbidden", "superadmin-only")],
  ["a state refusal", refusal("conflict", "deletion-protected")],
  ["an input refusal", refusal("invalid", "name-format")],
  ["a missing record", new NotFound({ resource: "vm", id: "v1" })],
  ["bad input", new InvalidInput({ message: "A snapshot name is 1 to 64 characters" })],
  ["a concurrent write", new VersionConflict({ resource: "vm", id: "v1" })],
  ["a stale If-Match", new PreconditionFailed({ resource: "vm", id: "v1", current: 3 })],
  [
    "the hypervisor",
    new DriverError({
      driver: "fake",
      operation: "start",
      reason: new HypervisorFailure({ message: "qemu exited", retryable: false }),
    }),
  ],
  [
    "a capability the host's driver does not declare (#21)",
    new DriverError({ driver: "fake", operation: "start", reason: new Unsupported({ capability: "diskSnapshot" }) }),
  ],
  [
    "a password sealed under a key this agent lacks (#16)",
    new SecretUnreadable({ reason: "unknown-key", keyId: "cAbC" }),
  ],
  ["the database, briefly", new StoreError({ operation: "vm.get", message: "gone", retryable: true })],
]

describe("one error vocabulary", () => {
  for (const [what, failure] of failures) {
    it(`G4 ${what}: the task records the code and rule the API answers`, () => {
      const api = apiErrorOfFailure(failure)
      assert.ok(api, "the API knows this failure")
      const task = taskErrorOf(Cause.fail(failure))
      assert.equal(task.code, api.code)
      assert.equal(task.rule, api.extra.rule)
    })
  }

  it("#21 a capability the host's driver lacks is a refusal, 409 driver-unsupported naming it, not a 502", () => {
    const failure = new DriverError({
      driver: "mine",
      operation: "snapshots.create",
      reason: new Unsupported({ capability: "diskSnapshot" }),
    })
    const api = apiErrorOfFailure(failure)
    assert.deepEqual([api?.status, api?.code, api?.extra.rule], [409, "conflict", "driver-unsupported"])
    assert.match(api?.text.en ?? "", /does not declare diskSnapshot/)
    assert.match(api?.text.zh ?? "", /diskSnapshot/)
  })
})
