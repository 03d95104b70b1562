import { Effect, Schedule } from "effect"
import { type Keyring, keyringOf } from "../auth/sealing-keys.ts"
import { openSecret, randomPassword, sealSecret } from "../auth/secrets.ts"
import { HostConfig } from "../config.ts"
import type { Driver } from "../driver/driver.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import { loginRules, type ResetPasswordContext } from "../rules/login.ts"
import { Store } from "../store/ports.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import type { RecordWork, VmOperation } from "./vm-operation.ts"

/**
 * R11: a new password for a stopped VM, random or chosen (6–32 characters mixing cases and digits, rule
 * password-format), sealed (in a cluster under the cluster's key, so any host opens it: #16) and marked pending: the
 * next start sets it in the guest. The caller gets the new password once; the task records whether it was random,
 * never the password.
 */
export const resetPasswordOperation: VmOperation<
  "full",
  string | null,
  ResetPasswordContext,
  void,
  RecordWork<ResetPasswordContext, void, string>
> = {
  operation: "vm.reset-password",
  reads: "full",
  context: (base, password) => Effect.succeed({ ...base, password }),
  rules: loginRules["reset-password"],
  task: (_, password) => ({ params: { random: password === null } }),
  work: {
    kind: "record",
    write: ({ vm, password }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const config = yield* HostConfig
        const chosen = password ?? randomPassword()
        const passwordCipher = sealSecret(keyringOf(config), chosen)
        yield* store.vms.update(vm.id, { passwordCipher, passwordPending: true }, vm.version)
        return chosen
      }),
    result: () => ({ pending: true }),
  },
}

/** R11: returns the finished task and the new password (shown once; R6 shows it again). */
export const resetPassword = (actor: Actor, vmId: string, password: string | null) =>
  Effect.map(runVmOperation(resetPasswordOperation, actor, vmId, password), ({ task, value }) => ({
    task,
    password: value,
  }))

/** The account a reset password belongs to, by the image's OS family. */
const accountOf = (context: VmContext) => (context.osFamily === "windows" ? "Administrator" : "root")

/**
 * R11 "applied in the guest on its next start": once the started guest's agent answers (it starts with the guest's
 * services, seconds after the hypervisor), the pending password is set through it and the flag cleared. A guest
 * whose agent never answers keeps the VM running and the password pending (retried at the next start): the start
 * itself succeeded. Runs only when a reset is pending, so ordinary starts wait for nothing.
 */
export const applyPendingPassword = (driver: Driver, context: VmContext, keyring: Keyring) =>
  Effect.gen(function* () {
    const store = yield* Store
    const vm = yield* store.vms.get(context.vm.id)
    const agent = driver.guestAgent
    if (!vm.passwordPending || vm.passwordCipher === null || vm.loginMethod !== "password") return
    if (agent === undefined || !driver.capabilities.has("guestAgent")) {
      return yield* Effect.logWarning(`${vm.hostname}: no guest agent; the reset password stays pending`)
    }
    // A seal this host cannot open (SecretUnreadable) leaves the password pending, logged with what to do.
    const password = yield* openSecret(keyring, vm.passwordCipher)
    yield* agent
      .setPassword(vm.hostname, accountOf(context), password)
      .pipe(Effect.retry({ schedule: Schedule.spaced("1 second"), times: 120 }))
    yield* store.vms.update(vm.id, { passwordPending: false })
  }).pipe(
    Effect.catch((error) =>
      Effect.logWarning(`${context.vm.hostname}: the reset password could not be set in the guest yet`, error),
    ),
  )
