import { Effect, Schedule } from "effect"
import { type Keyring, keyringOf } from "../auth/sealing-keys.ts"
import { randomPassword, sealSecret } from "../auth/secrets.ts"
import { HostConfig } from "../config.ts"
import type { Driver } from "../driver/driver.ts"
import type { KeyPair } from "../model/extras.ts"
import type { LoginMethod, Vm } from "../model/vm.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import { deviceRules, type SshKeysContext } from "../rules/devices.ts"
import { type LoginMethodContext, loginRules } from "../rules/login.ts"
import { Store } from "../store/ports.ts"
import { applyPendingPassword } from "./password.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import { loadVisibleVm } from "./vm-context.ts"
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
 * X5: the key pairs a VM holds: those set for it (vm_key_pairs, in the order chosen), or else the one its create or
 * login switch chose. A deleted key pair is no longer among them.
 */
export const keyPairsOfVm = (vm: Vm) =>
  Effect.gen(function* () {
    const store = yield* Store
    const set = yield* store.vmKeyPairs.list(vm.id)
    if (set.length > 0 || vm.keyPairId === null) return set
    return yield* store.keyPairs.get(vm.keyPairId).pipe(
      Effect.map((keyPair): ReadonlyArray<KeyPair> => [keyPair]),
      Effect.catchTag("NotFound", () => Effect.succeed([])),
    )
  })

/**
 * R13, X5: what the guest must hold for the VM's login: its key pairs' public keys in root's authorized_keys, once the
 * guest agent answers (the start itself succeeded already: a guest without an agent keeps running, logged), and a
 * root password nobody knows (random, never stored), so that a password set before the switch no longer logs in.
 * Runs at every start of a VM that logs in by SSH key; writing the same keys again changes nothing.
 */
export const applyLoginKeys = (driver: Driver, context: VmContext) =>
  Effect.gen(function* () {
    const store = yield* Store
    const vm = yield* store.vms.get(context.vm.id)
    const agent = driver.guestAgent
    if (vm.loginMethod !== "ssh-key") return
    const keyPairs = yield* keyPairsOfVm(vm)
    if (keyPairs.length === 0) return
    if (agent === undefined || !driver.capabilities.has("guestAgent")) {
      return yield* Effect.logWarning(`${vm.hostname}: no guest agent; the SSH keys wait for one`)
    }
    yield* agent
      .setAuthorizedKeys(
        vm.hostname,
        "root",
        keyPairs.map((keyPair) => keyPair.publicKey),
      )
      .pipe(Effect.retry({ schedule: Schedule.spaced("1 second"), times: 120 }))
    yield* agent.setPassword(vm.hostname, "root", randomPassword(32))
  }).pipe(
    Effect.catch((error) => Effect.logWarning(`${context.vm.hostname}: the SSH keys are not in the guest yet`, error)),
  )

/** R11, R13, X5: after a start, the guest takes what is pending: a reset password, or the SSH key of key login. */
export const applyGuestLogin = (driver: Driver, context: VmContext, keyring: Keyring) =>
  applyPendingPassword(driver, context, keyring).pipe(Effect.andThen(applyLoginKeys(driver, context)))

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
                passwordCipher: sealSecret(keyringOf(config), password ?? ""),
                passwordPending: true,
              }
        const written = yield* store.vms.update(vm.id, patch, vm.version)
        if (target === "ssh-key") yield* store.vmKeyPairs.set(vm.id, keyPair === null ? [] : [keyPair.id])
        return { method: written.loginMethod, keyPairId: written.keyPairId, pending: true }
      }),
  },
}

/**
 * X5: set the key pairs of a stopped VM that logs in by SSH key (Linux only; the owner's key pairs, at least one):
 * "选择需要启用的密钥" — the chosen ones replace those it held, so leaving one out removes it ("卸载"). The guest
 * takes them at its next start; vms.key_pair_id keeps the first.
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
      Effect.gen(function* () {
        const store = yield* Store
        const ids = keyPairs.map((keyPair) => keyPair.id)
        yield* store.vms.update(vm.id, { keyPairId: ids[0] ?? null }, vm.version)
        yield* store.vmKeyPairs.set(vm.id, ids)
        return { keyPairIds: ids }
      }),
  },
}

/** R13: returns the finished task; on a running VM the guest takes the change through its agent at once. */
export const changeLoginMethod = (actor: Actor, vmId: string, request: LoginMethodRequest) =>
  runVmOperation(loginMethodOperation, actor, vmId, request)

/** X5: the key pairs a VM the caller can see holds (its guest's authorized_keys from the next start). */
export const listVmKeyPairs = Effect.fn("operations.listVmKeyPairs")(function* (actor: Actor, vmId: string) {
  return yield* keyPairsOfVm(yield* loadVisibleVm(actor, vmId))
})

/** X5: returns the finished task. */
export const setSshKeys = (actor: Actor, vmId: string, keyPairIds: ReadonlyArray<string>) =>
  runVmOperation(sshKeysOperation, actor, vmId, keyPairIds)
