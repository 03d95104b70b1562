import { Effect, Schedule } from "effect"
import { encryptSecret, randomPassword } from "../auth/secrets.ts"
import { HostConfig } from "../config.ts"
import type { Driver } from "../driver/driver.ts"
import type { LoginMethod } from "../model/vm.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import { deviceRules, type SshKeysContext } from "../rules/devices.ts"
import { type LoginMethodContext, loginRules } from "../rules/login.ts"
import { Store } from "../store/ports.ts"
import { applyPendingPassword } from "./password.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import type { RecordWork, VmOperation } from "./vm-operation.ts"

/** R13: to SSH key with a key pair of the VM's owner, or to password with a new one. */
export interface LoginMethodRequest {
  readonly method: LoginMethod
  readonly keyPairId?: string
  readonly password?: string
}

const keyPairOf = (id: string | undefined) =>
  id === undefined ? Effect.succeed(null) : Store.use((store) => store.keyPairs.get(id))

/**
 * R13, X5: what the guest must hold for the VM's login: its key pair's public key in root's authorized_keys, once the
 * guest agent answers (the start itself succeeded already: a guest without an agent keeps running, logged), and a
 * root password nobody knows (random, never stored), so that a password set before the switch no longer logs in.
 * Runs at every start of a VM that logs in by SSH key; writing the same keys again changes nothing.
 */
export const applyLoginKeys = (driver: Driver, context: VmContext) =>
  Effect.gen(function* () {
    const store = yield* Store
    const vm = yield* store.vms.get(context.vm.id)
    const agent = driver.guestAgent
    if (vm.loginMethod !== "ssh-key" || vm.keyPairId === null) return
    if (agent === undefined || !driver.capabilities.has("guestAgent")) {
      return yield* Effect.logWarning(`${vm.hostname}: no guest agent; the SSH key waits for one`)
    }
    const keyPair = yield* store.keyPairs.get(vm.keyPairId)
    yield* agent
      .setAuthorizedKeys(vm.hostname, "root", [keyPair.publicKey])
      .pipe(Effect.retry({ schedule: Schedule.spaced("1 second"), times: 120 }))
    yield* agent.setPassword(vm.hostname, "root", randomPassword(32))
  }).pipe(
    Effect.catch((error) => Effect.logWarning(`${context.vm.hostname}: the SSH key is not in the guest yet`, error)),
  )

/** R11, R13, X5: after a start, the guest takes what is pending: a reset password, or the SSH key of key login. */
export const applyGuestLogin = (driver: Driver, context: VmContext, secretKey: Buffer) =>
  applyPendingPassword(driver, context, secretKey).pipe(Effect.andThen(applyLoginKeys(driver, context)))

/**
 * R13: switch the login method (Linux only; running or stopped). To SSH key: the owner's key pair is recorded, the
 * password forgotten (no reset while key login is on); to password: the new one is stored encrypted and pending. The
 * guest takes either at its next start (power.ts: applyGuestLogin).
 */
export const loginMethodOperation: VmOperation<
  "full",
  LoginMethodRequest,
  LoginMethodContext,
  void,
  RecordWork<LoginMethodContext, void, unknown>
> = {
  operation: "vm.login-method",
  reads: "full",
  context: (base, request) =>
    Effect.map(keyPairOf(request.method === "ssh-key" ? request.keyPairId : undefined), (keyPair) => ({
      ...base,
      target: request.method,
      keyPair,
      password: request.method === "password" ? (request.password ?? null) : null,
    })),
  rules: loginRules["login-method"],
  task: ({ target, keyPair }) => ({ params: { method: target, keyPairId: keyPair?.id ?? null } }),
  work: {
    kind: "record",
    write: ({ vm, target, keyPair, password }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const config = yield* HostConfig
        const patch =
          target === "ssh-key"
            ? { loginMethod: target, keyPairId: keyPair?.id ?? null, passwordCipher: null, passwordPending: false }
            : {
                loginMethod: target,
                passwordCipher: encryptSecret(config.secretKey, password ?? ""),
                passwordPending: true,
              }
        const written = yield* store.vms.update(vm.id, patch, vm.version)
        return { method: written.loginMethod, keyPairId: written.keyPairId, pending: true }
      }),
  },
}

/**
 * X5: set the key pair of a stopped VM that logs in by SSH key (Linux only; the owner's key pair): the guest takes it
 * at its next start. The record holds one key pair per VM, so one is set; a second replaces the first.
 */
export const sshKeysOperation: VmOperation<
  "full",
  ReadonlyArray<string>,
  SshKeysContext,
  void,
  RecordWork<SshKeysContext, void, unknown>
> = {
  operation: "vm.ssh-keys",
  reads: "full",
  context: (base, ids) =>
    Effect.map(
      Effect.forEach(ids, (id) => Store.use((store) => store.keyPairs.get(id))),
      (keyPairs) => ({ ...base, keyPairs }),
    ),
  rules: deviceRules["ssh-keys"],
  task: ({ keyPairs }) => ({ params: { keyPairIds: keyPairs.map((k) => k.id) } }),
  work: {
    kind: "record",
    write: ({ vm, keyPairs }) =>
      Effect.map(
        Store.use((store) => store.vms.update(vm.id, { keyPairId: keyPairs[0]?.id ?? null }, vm.version)),
        (written) => ({ keyPairId: written.keyPairId }),
      ),
  },
}

/** R13: returns the finished task; on a running VM the guest takes the change through its agent at once. */
export const changeLoginMethod = (actor: Actor, vmId: string, request: LoginMethodRequest) =>
  runVmOperation(loginMethodOperation, actor, vmId, request)

/** X5: returns the finished task. */
export const setSshKeys = (actor: Actor, vmId: string, keyPairIds: ReadonlyArray<string>) =>
  runVmOperation(sshKeysOperation, actor, vmId, keyPairIds)
