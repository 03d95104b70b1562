import { Effect, Stream } from "effect"
import type { DriverEvent } from "../../../core/driver/driver.ts"
import type { LibvirtEvent } from "../virsh/events.ts"
import { MANAGED_TITLE } from "../xml/options.ts"
import type { DriverContext } from "./context.ts"

/** Resets within this span after a reported one are the same reset (the firmware adds one or two of its own). */
const RESET_DEDUP_MS = 5_000

/**
 * libvirt's event → the contract's, or undefined for what the contract does not report (pause, resume, define,
 * the "Shutdown Finished" that precedes every "Stopped", agent and device events). Pure.
 */
export const driverEventOf = (event: LibvirtEvent): DriverEvent | undefined => {
  const base = { name: event.domain, at: event.at }
  if (event.type === "reboot") return { ...base, kind: "reset", detail: "the guest was reset" }
  if (event.type !== "lifecycle") return undefined
  const [what = "", ...rest] = event.detail.split(" ")
  const why = rest.join(" ")
  switch (what) {
    case "Started":
      return { ...base, kind: "started", detail: `started outside the platform (${why.toLowerCase()})` }
    case "Crashed":
      return { ...base, kind: "crashed", detail: `the guest crashed (${why.toLowerCase()})` }
    case "Stopped":
      switch (why) {
        case "Shutdown":
          return { ...base, kind: "powered-off", detail: "the guest powered itself off" }
        case "Crashed":
          return { ...base, kind: "crashed", detail: "the guest crashed" }
        case "Failed":
          return { ...base, kind: "process-exited", detail: "the QEMU process ended unexpectedly" }
        default:
          return { ...base, kind: "powered-off", detail: `stopped outside the platform (${why.toLowerCase()})` }
      }
    default:
      return undefined
  }
}

/**
 * The driver's `events`: libvirt's events of the domains that carry our title, translated, without the ones the
 * platform's own operations caused, and with repeated resets folded into one.
 */
export const driverEvents = (ctx: DriverContext): Stream.Stream<DriverEvent> => {
  const isOurs = (name: string) =>
    Effect.gen(function* () {
      const known = ctx.managed.get(name)
      if (known !== undefined) return known
      // a domain this instance has not seen yet (made by another instance): ask libvirt once
      const listed = yield* ctx.client.listDomains().pipe(Effect.orElseSucceed(() => []))
      for (const domain of listed) ctx.managed.set(domain.name, domain.title === MANAGED_TITLE)
      return ctx.managed.get(name) ?? false
    })

  return Stream.unwrap(
    Effect.sync(() => {
      // per subscriber: each run of the stream sees every event and folds resets on its own
      const lastReset = new Map<string, number>()
      return ctx.client.events.pipe(
        Stream.filter((event) => !ctx.quiet.isQuiet(event.domain)),
        Stream.mapEffect((event) =>
          Effect.gen(function* () {
            const translated = driverEventOf(event)
            if (translated === undefined || !(yield* isOurs(event.domain))) return undefined
            if (translated.kind === "reset") {
              const previous = lastReset.get(event.domain)
              lastReset.set(event.domain, event.at.getTime())
              if (previous !== undefined && event.at.getTime() - previous < RESET_DEDUP_MS) return undefined
            }
            return translated
          }),
        ),
        Stream.filter((event): event is DriverEvent => event !== undefined),
      )
    }),
  )
}
