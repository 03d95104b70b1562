import { readFile } from "node:fs/promises"
import { Deferred, Effect, FiberMap } from "effect"
import type { HostCommands } from "../host-commands/host-commands.ts"
import type { DnsmasqFiles } from "./dnsmasq.ts"

/** A signal to a pid that may be gone already (ESRCH): false when there was nobody to signal. */
const signal = (pid: number, name: NodeJS.Signals): boolean => {
  try {
    process.kill(pid, name)
    return true
  } catch {
    return false
  }
}

/** What the supervisor knows of one network's server. */
interface Served {
  pid: number | undefined
  restarts: number
  /** Done when the first process has been started (or could not be). */
  readonly first: Deferred.Deferred<void>
}

/**
 * One dnsmasq per network, kept running: when it exits it is started again after a short pause (a broken config
 * cannot spin the CPU), and stopping the network, or closing the plug-in's scope, ends it. A server left behind by an
 * agent that was killed is found by its pid file and ended before a new one starts.
 */
export const makeDhcpSupervisor = (options: {
  readonly commands: HostCommands
  readonly netns: string | undefined
  readonly binary: string
}) =>
  Effect.gen(function* () {
    const fibers = yield* FiberMap.make<string>()
    const served = new Map<string, Served>()

    const endStale = (files: DnsmasqFiles) =>
      Effect.promise(async () => {
        const text = await readFile(files.pid, "utf8").catch(() => "")
        const pid = Number(text.trim())
        if (!Number.isInteger(pid) || pid <= 1) return
        const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")
        if (cmdline.includes(files.conf)) signal(pid, "SIGKILL")
      })

    const once = (networkId: string, files: DnsmasqFiles, log: string) =>
      Effect.scoped(
        Effect.gen(function* () {
          yield* endStale(files)
          const args = ["--keep-in-foreground", "--log-facility=-", "--log-dhcp", `--conf-file=${files.conf}`]
          const [file, fileArgs] =
            options.netns === undefined
              ? [options.binary, args]
              : ["ip", ["netns", "exec", options.netns, options.binary, ...args]]
          const launched = yield* Effect.acquireRelease(options.commands.launch(file, fileArgs, log), (process) =>
            Effect.gen(function* () {
              signal(process.pid, "SIGTERM")
              const ended = yield* Deferred.await(process.exited).pipe(Effect.timeoutOption("3 seconds"))
              if (ended._tag === "None") signal(process.pid, "SIGKILL")
            }),
          )
          const entry = served.get(networkId)
          if (entry) {
            entry.pid = launched.pid
            Deferred.doneUnsafe(entry.first, Effect.void)
          }
          yield* Deferred.await(launched.exited)
        }),
      ).pipe(
        Effect.tapCause((cause) => Effect.logWarning(`DHCP server of network ${networkId} could not start`, cause)),
        Effect.ignore,
        Effect.andThen(
          Effect.sync(() => {
            const entry = served.get(networkId)
            if (entry) {
              Deferred.doneUnsafe(entry.first, Effect.void)
              entry.pid = undefined
              entry.restarts++
            }
          }),
        ),
        Effect.andThen(Effect.sleep("500 millis")),
      )

    /** Serve a network's DHCP (nothing happens when it is served already); returns once the server started. */
    const start = (networkId: string, files: DnsmasqFiles, log: string): Effect.Effect<void> =>
      Effect.gen(function* () {
        if (yield* FiberMap.has(fibers, networkId)) return
        const first = Deferred.makeUnsafe<void>()
        served.set(networkId, { pid: undefined, restarts: 0, first })
        yield* FiberMap.run(fibers, networkId, Effect.forever(once(networkId, files, log)))
        yield* Deferred.await(first)
      })

    const stop = (networkId: string): Effect.Effect<void> =>
      FiberMap.remove(fibers, networkId).pipe(Effect.andThen(Effect.sync(() => served.delete(networkId))))

    /** Re-read the reservations (dnsmasq reloads dhcp-hostsfile on SIGHUP). */
    const reload = (networkId: string): Effect.Effect<void> =>
      Effect.sync(() => {
        const pid = served.get(networkId)?.pid
        if (pid !== undefined) signal(pid, "SIGHUP")
      })

    const running = (networkId: string) => FiberMap.has(fibers, networkId)
    const status = (networkId: string) => {
      const entry = served.get(networkId)
      return { pid: entry?.pid, restarts: entry?.restarts ?? 0 }
    }
    return { start, stop, reload, running, status }
  })

export type DhcpSupervisor = Effect.Success<ReturnType<typeof makeDhcpSupervisor>>
