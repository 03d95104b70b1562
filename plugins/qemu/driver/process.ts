import { readFileSync } from "node:fs"

/** The pid QEMU wrote, if the file holds one. */
export const readPidfile = (path: string): number | undefined => {
  const text = readOr(path, "").trim()
  const pid = Number(text)
  return /^\d+$/.test(text) && pid > 0 ? pid : undefined
}

const readOr = (path: string, fallback: string) => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return fallback
  }
}

/**
 * True while `pid` is a live QEMU of ours: its command line names our pidfile. A reused pid, or a zombie (its
 * command line is empty), does not count.
 */
export const isOurQemu = (pid: number, pidfile: string): boolean =>
  readOr(`/proc/${pid}/cmdline`, "").split("\0").includes(pidfile)

/** Sends a signal, quietly ignoring a process that is already gone. */
export const signalProcess = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal)
  } catch {
    // ESRCH: it exited meanwhile, which is what the caller wanted
  }
}

// USER_HZ, the unit of /proc's CPU times, is 100 on every Linux architecture QEMU hosts here (x86_64, arm64).
const TICKS_PER_SECOND = 100

export interface CpuSample {
  /** User plus system CPU time of the whole process, in seconds. */
  readonly cpuSeconds: number
  /** The wall clock of the sample, in seconds since the host booted. */
  readonly uptimeSeconds: number
}

/** The process's CPU time and the host's uptime now; undefined once it is gone. */
export const sampleCpu = (pid: number): CpuSample | undefined => {
  const stat = readOr(`/proc/${pid}/stat`, "")
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const uptime = Number(readOr("/proc/uptime", "").split(" ")[0])
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isFinite(uptime) || stat === "") return undefined
  return { cpuSeconds: (utime + stime) / TICKS_PER_SECOND, uptimeSeconds: uptime }
}

/** The process's start, in seconds since the host booted (the baseline for a first CPU sample). */
export const startedAtUptime = (pid: number): number | undefined => {
  const stat = readOr(`/proc/${pid}/stat`, "")
  const start = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19])
  return stat !== "" && Number.isFinite(start) ? start / TICKS_PER_SECOND : undefined
}

/** Resident memory of the process, in bytes. */
export const residentBytes = (pid: number): number | undefined => {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readOr(`/proc/${pid}/status`, ""))
  return match ? Number(match[1]) * 1024 : undefined
}
