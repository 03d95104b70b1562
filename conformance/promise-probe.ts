/**
 * The guest probe for a driver written with the Promise adapter (#21, core/driver/promise-adapter.ts): the same calls
 * as GuestProbe, as async functions of the domain's name (the probe's author reaches their hypervisor themselves).
 */
import { Effect } from "effect"
import type { GuestProbe } from "./config.ts"

export interface PromiseGuestProbe {
  /** Resolves once the guest can answer the calls below; the suite retries it until its boot timeout. */
  ready(name: string): Promise<void>
  /** Creates or replaces a file in the guest (synced to its disk outside `ramDir`). */
  write(name: string, path: string, content: string): Promise<void>
  /** A file's content; undefined when it does not exist. */
  read(name: string, path: string): Promise<string | undefined>
  /** Makes the guest power itself off; resolves once asked. */
  powerOff(name: string): Promise<void>
  /** What the guest stores for the user's password; undefined while none is set. */
  passwordFingerprint?(name: string, user: string): Promise<string | undefined>
  /** The SSH keys the guest accepts for the user. */
  authorizedKeys?(name: string, user: string): Promise<ReadonlyArray<string>>
  readonly ramDir: string
  readonly diskDir: string
}

const absent = (what: string) => () => Promise.reject(new Error(`the probe has no ${what}`))

export const fromPromiseProbe = (probe: PromiseGuestProbe): GuestProbe => {
  const fingerprint = probe.passwordFingerprint?.bind(probe) ?? absent("passwordFingerprint")
  const keys = probe.authorizedKeys?.bind(probe) ?? absent("authorizedKeys")
  return {
    ramDir: probe.ramDir,
    diskDir: probe.diskDir,
    ready: (_driver, name) => Effect.tryPromise(() => probe.ready(name)),
    write: (_driver, name, path, content) => Effect.tryPromise(() => probe.write(name, path, content)),
    read: (_driver, name, path) => Effect.tryPromise(() => probe.read(name, path)),
    powerOff: (_driver, name) => Effect.tryPromise(() => probe.powerOff(name)),
    passwordFingerprint: (_driver, name, user) => Effect.tryPromise(() => fingerprint(name, user)),
    authorizedKeys: (_driver, name, user) => Effect.tryPromise(() => keys(name, user)),
  }
}
