import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { Effect, PubSub, Ref, type Scope, Stream } from "effect"
import type { VirshConfig } from "./run.ts"

/** One line of `virsh event --all --loop --timestamp`. */
export interface LibvirtEvent {
  readonly domain: string
  /** libvirt's event name: "lifecycle", "reboot", "agent-lifecycle", "device-removed", … */
  readonly type: string
  /** What follows the domain: "Stopped Shutdown", "Started Booted", a device alias, or "" (reboot). */
  readonly detail: string
  readonly at: Date
}

const EVENT_LINE =
  /^(?:(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d{4}): )?event '([^']+)' for domain '(.*?)'(?:: (.*))?$/

/** "2026-11-26 02:50:17.573+0000: event 'lifecycle' for domain 'vm-1': Stopped Shutdown" → a LibvirtEvent. */
export const parseEventLine = (line: string, now: () => Date = () => new Date()): LibvirtEvent | undefined => {
  const match = EVENT_LINE.exec(line.trim())
  if (match === null) return undefined
  const [, day, time, zone, type, domain, detail] = match
  const stamped =
    day === undefined || time === undefined || zone === undefined
      ? undefined
      : new Date(`${day}T${time}${zone.slice(0, 3)}:${zone.slice(3)}`)
  return {
    domain: domain ?? "",
    type: type ?? "",
    detail: (detail ?? "").trim(),
    at: stamped === undefined || Number.isNaN(stamped.getTime()) ? now() : stamped,
  }
}

export interface EventWatch {
  /** Every event from the moment a run of this stream subscribes, in the order virsh printed them. */
  readonly events: Stream.Stream<LibvirtEvent>
  /** How many times the watcher process was started (1 + restarts). */
  readonly starts: Effect.Effect<number>
}

export interface EventWatchOptions {
  /** Pause before starting virsh again after it exited (libvirtd restarted, say); default 1 s. */
  readonly restartDelayMs?: number
}

/**
 * A long-running `virsh event --all --loop --timestamp` owned by the caller's scope: its lines are parsed and
 * published; when it dies (libvirtd went away) it is started again after a pause. Closing the scope kills it.
 */
export const watchEvents = (
  config: VirshConfig,
  options: EventWatchOptions = {},
): Effect.Effect<EventWatch, never, Scope.Scope> =>
  Effect.gen(function* () {
    const pubsub = yield* PubSub.unbounded<LibvirtEvent>()
    yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
    const starts = yield* Ref.make(0)
    const runOnce = Effect.callback<void>((resume) => {
      const child = spawn(config.binary, ["-q", "-c", config.uri, "event", "--all", "--loop", "--timestamp"], {
        stdio: ["ignore", "pipe", "ignore"],
        env: { ...process.env, LC_ALL: "C", LANG: "C" },
      })
      createInterface({ input: child.stdout }).on("line", (line) => {
        const event = parseEventLine(line)
        if (event !== undefined) PubSub.publishUnsafe(pubsub, event)
      })
      child.once("error", () => resume(Effect.void))
      child.once("close", () => resume(Effect.void))
      return Effect.sync(() => {
        child.kill("SIGKILL")
      })
    })
    yield* Ref.update(starts, (n) => n + 1).pipe(
      Effect.andThen(runOnce),
      Effect.andThen(Effect.sleep(options.restartDelayMs ?? 1_000)),
      Effect.forever,
      Effect.forkScoped,
    )
    return { events: Stream.fromPubSub(pubsub), starts: Ref.get(starts) }
  })
