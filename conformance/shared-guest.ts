import { Effect } from "effect"
import type { CaseContext, TestVm } from "./context.ts"
import { type CaseFailure, describeError, fail } from "./failure.ts"
import { waitUntil } from "./wait.ts"

/**
 * One running guest that the cases which give it back as they found it take in turn, instead of each booting its own
 * (a boot is most of such a case's time under TCG). A case that leaves it unfit fails itself: `settle` checks it after
 * every case that took it, and a guest that is not fit any more is removed, so the next case boots a fresh one.
 */
export interface SharedGuest {
  /** The running, ready shared guest; boots one when there is none, or when the one there is not running. */
  readonly lease: Effect.Effect<TestVm, CaseFailure>
  /**
   * After each case: undefined if the case did not take the guest or gave it back fit; else what is wrong with it.
   * After a failed case the guest is removed unchecked: a case that failed half-way may have changed anything.
   */
  readonly settle: (caseFailed: boolean) => Effect.Effect<string | undefined>
  /**
   * The running shared guest handed over for good, or undefined when none runs: the case that adopts it may move it
   * away or change it at will, and removes it at its end like a guest of its own; the next shared case boots a fresh
   * one. A case that needs a running guest of its own saves a boot this way.
   */
  readonly adopt: Effect.Effect<TestVm | undefined>
}

/** `tools`: the steps of a case context (the run's driver, config and tracker); the guest outlives every case. */
export const makeSharedGuest = (tools: CaseContext): SharedGuest => {
  const { driver, config } = tools
  let current: TestVm | undefined
  let disksAtBoot = ""
  let taken = false

  /** The disk ids `stats` lists (with `metrics`): a device a case attached and did not detach shows there. */
  const diskIds = (name: string) =>
    tools.has("metrics") && driver.stats
      ? tools
          .step(`stats of ${name}`, driver.stats(name))
          .pipe(Effect.map((sample) => sample.disks.map((disk) => disk.id).join(", ") || "none"))
      : Effect.succeed("")

  /** Fit: running, its guest answering the probe, and the disks it booted with. */
  const fit = (vm: TestVm) =>
    Effect.gen(function* () {
      const power = yield* tools.power(vm.name)
      if (power !== "running") return yield* fail(`it is ${power}, not running`)
      yield* waitUntil(
        "its guest to answer the probe",
        Effect.suspend(() => config.guest.ready(driver, vm.name)),
        { timeoutMs: config.timeouts.operationMs, pollMs: config.timeouts.pollMs },
      )
      const disks = yield* diskIds(vm.name)
      if (disks !== disksAtBoot) return yield* fail(`its stats list the disks ${disks}, not ${disksAtBoot}`)
    })

  const discard = Effect.suspend(() => {
    const vm = current
    current = undefined
    return vm === undefined ? Effect.void : tools.removeVm(driver, vm)
  })

  const lease = Effect.gen(function* () {
    taken = true
    const held = current
    if (held !== undefined) {
      // `settle` checked it in full after the case that had it last; a case in between may only have stopped it.
      const running = yield* tools
        .power(held.name)
        .pipe(Effect.match({ onSuccess: (power) => power === "running", onFailure: () => false }))
      if (running) return held
      yield* discard
    }
    const vm = yield* tools.createVm(driver)
    // Held before it starts: a start that fails half-way leaves it to `settle` to remove.
    current = vm
    yield* tools.start(vm.name)
    disksAtBoot = yield* diskIds(vm.name)
    return vm
  })

  const settle = (caseFailed: boolean) =>
    Effect.gen(function* () {
      if (!taken) return undefined
      taken = false
      const vm = current
      if (vm === undefined) return undefined
      if (caseFailed) {
        yield* discard
        return undefined
      }
      const problem = yield* fit(vm).pipe(
        Effect.match({ onSuccess: () => undefined, onFailure: (error) => describeError(error) }),
      )
      if (problem !== undefined) yield* discard
      return problem === undefined ? undefined : `${vm.name}: ${problem}`
    })

  const adopt = Effect.gen(function* () {
    const held = current
    if (held === undefined) return undefined
    current = undefined
    const running = yield* tools
      .power(held.name)
      .pipe(Effect.match({ onSuccess: (power) => power === "running", onFailure: () => false }))
    if (running) return held
    yield* tools.removeVm(driver, held)
    return undefined
  })

  return { lease, settle, adopt }
}
