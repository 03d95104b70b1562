import { Cause, Effect, Exit } from "effect"
import type { DriverError } from "../../core/driver/errors.ts"
import { defineCase } from "../case.ts"
import type { CaseContext } from "../context.ts"
import { type CaseFailure, check, describeCause, fail } from "../failure.ts"

type Outcome = "ok" | DriverError

/** Runs the call to its end: a success or a typed DriverError is an outcome; a defect or a hang fails the case. */
const outcome = (t: CaseContext, label: string, effect: Effect.Effect<unknown, DriverError>) =>
  Effect.exit(effect).pipe(
    Effect.timeoutOrElse({
      duration: t.config.timeouts.operationMs * 2,
      orElse: () => fail(`${label}: no answer within ${t.config.timeouts.operationMs * 2} ms (deadlock?)`),
    }),
    Effect.flatMap(
      (exit): Effect.Effect<Outcome, CaseFailure> =>
        Exit.isSuccess(exit)
          ? Effect.succeed("ok")
          : Cause.hasFails(exit.cause) && !Cause.hasDies(exit.cause)
            ? Effect.succeed(Cause.squash(exit.cause) as DriverError)
            : fail(`${label} died instead of failing with a DriverError: ${describeCause(exit.cause)}`),
    ),
  )

const together = (
  t: CaseContext,
  first: readonly [string, Effect.Effect<unknown, DriverError>],
  second: readonly [string, Effect.Effect<unknown, DriverError>],
) => Effect.all([outcome(t, ...first), outcome(t, ...second)], { concurrency: 2 })

const describe = (result: Outcome) => (result === "ok" ? "ok" : result.message)

/** Two calls on one domain at once: each completes with a defined outcome and the domain stays consistent. */
export const concurrencyCases = [
  defineCase({
    id: "concurrency.same-vm",
    capability: "lifecycle",
    title: "two concurrent calls on one domain both finish with defined outcomes and leave a consistent domain",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm()
        const { driver } = t
        const start = driver.start(vm.name)
        const stop = driver.shutdown(vm.name, { force: true, timeoutMs: 0 })

        const starts = yield* together(t, ["start", start], ["start", start])
        yield* check(
          starts.every((result) => result === "ok"),
          `two concurrent starts: ${starts.map(describe).join("; ")} (both must succeed: starting a running domain is a no-op)`,
        )
        const listed = (yield* t.step("list", driver.list())).filter((info) => info.name === vm.name)
        yield* check(
          listed.length === 1 && listed[0]?.power === "running",
          `after two starts list shows ${listed.map((info) => info.power).join(", ") || "nothing"} for ${vm.name}`,
        )
        yield* t.ready(vm.name)

        const stops = yield* together(t, ["force stop", stop], ["force stop", stop])
        yield* check(
          stops.every((result) => result === "ok"),
          `two concurrent forced stops: ${stops.map(describe).join("; ")} (both must succeed)`,
        )
        yield* check((yield* t.power(vm.name)) === "stopped", `${vm.name} is not stopped after two forced stops`)

        // Start racing a stop: either order is fine, a refusal must be a DriverError, and the domain must settle.
        const mixed = yield* together(t, ["start", start], ["force stop", stop])
        const power = yield* t.power(vm.name)
        yield* check(
          power === "running" || power === "stopped",
          `start racing a stop left ${vm.name} ${power} (${mixed.map(describe).join("; ")})`,
        )
        const seen = (yield* t.step("list", driver.list())).find((info) => info.name === vm.name)
        yield* check(seen?.power === power, `list says ${seen?.power} while inspect says ${power}`)
        yield* t.step("force stop after the race", stop)
        yield* check((yield* t.power(vm.name)) === "stopped", `${vm.name} cannot be stopped after the race`)
      }),
  }),
]
