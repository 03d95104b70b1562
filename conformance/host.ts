import { existsSync, readFileSync } from "node:fs"
import { connect } from "node:net"
import { Effect } from "effect"
import type { ConsoleEndpoint } from "../core/driver/driver.ts"

/** A process as the suite saw it: its start time tells it apart from a later process that reuses the pid. */
export interface SeenProcess {
  readonly pid: number
  readonly startedAt: string | undefined
}

/** Field 22 of /proc/<pid>/stat (clock ticks since boot); undefined off Linux or when the process is gone. */
const startTimeOf = (pid: number): string | undefined => {
  const stat = `/proc/${pid}/stat`
  if (!existsSync(stat)) return undefined
  const text = readFileSync(stat, "utf8")
  // The command name (field 2) may hold spaces and parentheses; the fields after it start past the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  return fields[19]
}

const exists = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

export const seeProcess = (pid: number): SeenProcess => ({ pid, startedAt: startTimeOf(pid) })

/** Whether the very process the suite saw still runs. */
export const stillRuns = (seen: SeenProcess): boolean => {
  if (!exists(seen.pid)) return false
  return seen.startedAt === undefined || startTimeOf(seen.pid) === seen.startedAt
}

export const kill = (seen: SeenProcess): void => {
  if (stillRuns(seen)) process.kill(seen.pid, "SIGKILL")
}

/** Whether something accepts connections at the endpoint now; never fails. */
export const accepts = (endpoint: ConsoleEndpoint, timeoutMs: number): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    const socket = endpoint.kind === "unix" ? connect(endpoint.path) : connect(endpoint.port, endpoint.host)
    const settle = (accepted: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.succeed(accepted))
    }
    const timer = setTimeout(() => settle(false), timeoutMs)
    socket.once("connect", () => settle(true))
    socket.once("error", () => settle(false))
    return Effect.sync(() => {
      clearTimeout(timer)
      socket.destroy()
    })
  })

export const describeEndpoint = (endpoint: ConsoleEndpoint): string =>
  endpoint.kind === "unix" ? endpoint.path : `${endpoint.host}:${endpoint.port}`
