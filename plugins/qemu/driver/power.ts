import { Effect } from "effect"
import type { ShutdownOptions } from "../../../core/driver/driver.ts"
import type { DriverError } from "../../../core/driver/errors.ts"
import { firstImageProblem } from "../image-check.ts"
import { cont, queryStatus, quit, systemPowerdown, systemReset } from "../qmp/commands/status.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"
import type { Domains } from "./domains.ts"
import { launchDomain } from "./launch.ts"
import { signalProcess } from "./process.ts"
import { awaitGone, type Session, type SessionDeps } from "./session.ts"

/** After `quit`, QEMU is gone in milliseconds; after SIGKILL, as soon as the kernel reaps it. */
const QUIT_GRACE_MS = 3_000
const KILL_GRACE_MS = 10_000

const setShutdownAction = (monitor: QmpMonitor, action: "pause" | "poweroff") =>
  monitor.execute("set-action", { shutdown: action })

/** Start, shutdown and reboot: each under the domain's lock, each reporting nothing on the event stream. */
export const makePower = (domains: Domains, sessionDeps: SessionDeps) => {
  const { errors, settings } = domains

  /** quit (QEMU flushes its caches and exits), else SIGKILL; fails only if the process will not die. */
  const cutPower = (session: Session, operation: string) =>
    Effect.gen(function* () {
      session.tracker.expectStop()
      const monitor = yield* Effect.option(session.monitor(operation))
      if (monitor._tag === "Some") yield* Effect.ignore(quit(monitor.value))
      if (yield* awaitGone(session, QUIT_GRACE_MS)) return
      signalProcess(session.pid, "SIGKILL")
      if (yield* awaitGone(session, KILL_GRACE_MS)) return
      session.tracker.cancelStop()
      return yield* errors.failure(operation, `QEMU (pid ${session.pid}) does not exit`, true)
    })

  /** ACPI power button; true once the guest powered off within `timeoutMs`. */
  const askGuestToPowerOff = (session: Session, timeoutMs: number) =>
    Effect.gen(function* () {
      session.tracker.expectStop()
      const monitor = yield* session.monitor("shutdown")
      const status = yield* queryStatus(monitor)
      // A paused guest cannot hear the button.
      if (!status.running) return false
      yield* systemPowerdown(monitor)
      return yield* awaitGone(session, timeoutMs)
    }).pipe(Effect.orElseSucceed(() => false))

  const start = Effect.fn("QemuDriver.start")(function* (name: string) {
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const domain = yield* domains.get("start", name)
        if (yield* domains.live(domain)) return
        const problem = yield* firstImageProblem(
          (args) => sessionDeps.commands.run(settings.qemuImg, args),
          domain.definition.spec.disks.map((disk) => ({ path: disk.path, format: disk.format })),
        )
        if (problem !== undefined) return yield* errors.invalid("start", problem)
        yield* launchDomain(domains, sessionDeps, domain)
      }),
    )
  })

  const shutdown = Effect.fn("QemuDriver.shutdown")(function* (name: string, options: ShutdownOptions) {
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const session = yield* domains.live(yield* domains.get("shutdown", name))
        if (!session) return
        // Cut short (a forced stop superseding this one): the guest was not stopped by us after all.
        const asked = askGuestToPowerOff(session, options.timeoutMs).pipe(
          Effect.onInterrupt(() => Effect.sync(() => session.tracker.cancelStop())),
        )
        if (!options.force && (yield* asked)) return
        yield* cutPower(session, "shutdown")
      }),
    )
  })

  /**
   * Graceful: the ACPI button with QEMU told to pause instead of exiting when the guest powers off, then a reset and
   * a resume: the same process boots the guest again (a guest that ignores the button is reset after
   * `rebootTimeoutMs`). Forced: a reset at once.
   */
  const reboot = Effect.fn("QemuDriver.reboot")(function* (name: string, options: { readonly force: boolean }) {
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const { session } = yield* domains.running("reboot", name)
        const monitor = yield* session.monitor("reboot")
        const status = yield* queryStatus(monitor).pipe(Effect.mapError(errors.fromQmp("reboot")))
        if (!options.force && !status.running) return yield* errors.wrongPower("reboot", name, status.status)
        session.tracker.beginReboot()
        const work: Effect.Effect<void, DriverError> = options.force
          ? systemReset(monitor).pipe(Effect.mapError(errors.fromQmp("reboot")))
          : gracefulReboot(monitor)
        yield* work.pipe(
          Effect.ensuring(Effect.sync(() => session.tracker.endReboot(Date.now()))),
          Effect.ensuring(session.dropAgent),
        )
      }),
    )
  })

  const gracefulReboot = (monitor: QmpMonitor) =>
    Effect.gen(function* () {
      yield* setShutdownAction(monitor, "pause")
      yield* monitor
        .triggerAndAwait(systemPowerdown(monitor), "SHUTDOWN", (event) => event.guest, {
          timeoutMs: settings.rebootTimeoutMs,
        })
        .pipe(Effect.catchReason("QmpError", "QmpTimeout", () => Effect.void))
      yield* systemReset(monitor)
      yield* cont(monitor)
    }).pipe(
      Effect.ensuring(Effect.ignore(setShutdownAction(monitor, "poweroff"))),
      Effect.mapError(errors.fromQmp("reboot")),
    )

  return { start, shutdown, reboot }
}
