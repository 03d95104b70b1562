import { Effect } from "effect"
import { cont, queryStatus, systemReset } from "../qmp/commands/status.ts"
import type { Domain, Domains } from "./domains.ts"
import { isOurQemu, readPidfile } from "./process.ts"
import { openSession, type SessionDeps } from "./session.ts"

/** How long a re-attach waits for the QMP socket (the previous agent's connection may still be closing). */
const ATTACH_TIMEOUT_MS = 5_000

/**
 * A driver instance made after an agent restart finds its VMs by their pidfiles: a pid whose command line names that
 * pidfile is our QEMU (a reused pid is not), and it is watched again through the one QMP connection this instance
 * holds. Nothing is reported for what happened while no agent watched; the core reconciles from `list`.
 */
export const reattach = (domains: Domains, sessionDeps: SessionDeps, domain: Domain) =>
  Effect.gen(function* () {
    const name = domain.definition.spec.name
    const paths = domains.pathsOf(name)
    const pid = readPidfile(paths.pidfile)
    if (pid === undefined || !isOurQemu(pid, paths.pidfile)) return
    const session = yield* openSession(sessionDeps, { name, pid, paths, monitorTimeoutMs: ATTACH_TIMEOUT_MS })
    domain.session = session
    // An agent that died during a graceful reboot left QEMU pausing on power-off, maybe already paused: finish it.
    yield* Effect.gen(function* () {
      const monitor = yield* session.monitor("attach")
      yield* monitor.execute("set-action", { shutdown: "poweroff" })
      if ((yield* queryStatus(monitor)).status === "shutdown") {
        session.tracker.beginReboot()
        yield* systemReset(monitor)
        yield* cont(monitor)
        session.tracker.endReboot(Date.now())
      }
    }).pipe(Effect.ignore)
  }).pipe(Effect.ignore)

export const reattachAll = (domains: Domains, sessionDeps: SessionDeps) =>
  Effect.forEach(domains.all(), (domain) => reattach(domains, sessionDeps, domain), {
    concurrency: "unbounded",
    discard: true,
  })
