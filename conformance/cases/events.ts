import { Effect } from "effect"
import type { DriverEvent } from "../../core/driver/driver.ts"
import { defineCase } from "../case.ts"
import type { CaseContext } from "../context.ts"
import { list } from "../event-log.ts"
import { check } from "../failure.ts"

const poweredOff = (name: string) => (event: DriverEvent) => event.name === name && event.kind === "powered-off"

/** Makes the guest power itself off and waits for the driver to report it. */
const guestPowersOff = (t: CaseContext, name: string, mark: number) =>
  Effect.gen(function* () {
    yield* t.guest("power off from inside", (probe, driver) => probe.powerOff(driver, name))
    return yield* t.events.waitFor(mark, `${name} powered-off`, poweredOff(name), t.config.timeouts.guestChangeMs)
  })

export const eventCases = [
  defineCase({
    id: "events.guest-power-off",
    capability: "events",
    title: "a guest powering itself off is reported as one powered-off event naming the domain",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm({ start: true })
        const mark = t.events.mark()
        const event = yield* guestPowersOff(t, vm.name, mark)
        yield* check(
          event.at instanceof Date && !Number.isNaN(event.at.getTime()),
          `the event's time is ${String(event.at)}`,
        )
        yield* t.awaitPower(vm.name, "stopped")
        const seen = t.events.since(mark, [vm.name])
        yield* check(
          seen.length === 1,
          `one power-off must make one event; the driver reported ${seen.length}: ${list(seen)}`,
        )
      }),
  }),

  defineCase({
    id: "events.order",
    capability: "events",
    title: "guest-caused changes arrive in the order they happened, and the platform's own calls cause no events",
    run: (t) =>
      Effect.gen(function* () {
        // Marked before the platform starts them: a driver that reports its own starts is caught too.
        const mark = t.events.mark()
        const a = yield* t.vm({ start: true })
        // b's guest is never used: only the platform's start and stop of it, which must not show on the stream.
        const b = yield* t.vm()
        yield* t.powerOn(b.name)
        const first = yield* guestPowersOff(t, a.name, mark)
        // Changes the platform asked for: none of them may show on the stream.
        yield* t.step(`force stop ${b.name}`, t.driver.shutdown(b.name, { force: true, timeoutMs: 0 }))
        yield* t.start(a.name)
        const second = yield* guestPowersOff(t, a.name, t.events.mark())
        yield* t.awaitPower(a.name, "stopped")
        const seen = t.events.since(mark, [a.name, b.name])
        yield* check(
          seen.length === 2 && seen[0] === first && seen[1] === second,
          `expected ${a.name} powered-off twice and nothing else, the driver reported: ${list(seen)}`,
        )
        yield* check(
          first.at.getTime() <= second.at.getTime(),
          `the second event (${second.at.toISOString()}) is dated before the first (${first.at.toISOString()})`,
        )
      }),
  }),
]
