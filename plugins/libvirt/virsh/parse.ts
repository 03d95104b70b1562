import type { PowerState } from "../../../core/driver/driver.ts"

/** libvirt's state words (virsh domstate, list) → the contract's power states. */
export const powerOf = (state: string): PowerState => {
  switch (state.trim()) {
    case "running":
    case "idle":
    case "blocked":
    case "in shutdown":
    case "no state":
      return "running"
    case "paused":
    case "pmsuspended":
      return "paused"
    case "crashed":
      return "crashed"
    default:
      // "shut off", and "dying" on its way there
      return "stopped"
  }
}

export interface DomState {
  readonly power: PowerState
  /** libvirt's word for how it got there ("shutdown", "destroyed", "saved", "crashed", "booted", …). */
  readonly reason: string | undefined
}

/** `virsh domstate --reason`: "running (booted)", "shut off (saved)". */
export const parseDomState = (output: string): DomState => {
  const match = /^\s*([a-z ]+?)\s*(?:\(([^)]*)\))?\s*$/m.exec(output)
  return { power: powerOf(match?.[1] ?? output), reason: match?.[2] }
}

export interface ListedDomain {
  readonly name: string
  readonly power: PowerState
  readonly title: string
}

const LIST_ROW =
  /^\s*(\d+|-)\s+(\S+)\s+(running|idle|blocked|paused|in shutdown|shut off|crashed|dying|pmsuspended|no state)\s*(.*)$/

/** `virsh list --all --title`: a table of id, name, state and title (header and rule lines are skipped). */
export const parseDomainList = (output: string): ReadonlyArray<ListedDomain> =>
  output.split("\n").flatMap((line) => {
    const match = LIST_ROW.exec(line)
    return match === null
      ? []
      : [{ name: match[2] ?? "", power: powerOf(match[3] ?? ""), title: (match[4] ?? "").trim() }]
  })

/** `virsh domstats --raw`: per domain, its "key=value" lines. */
export const parseDomStats = (output: string): ReadonlyMap<string, Readonly<Record<string, string>>> => {
  const result = new Map<string, Record<string, string>>()
  let current: Record<string, string> | undefined
  for (const line of output.split("\n")) {
    const header = /^Domain: '(.*)'\s*$/.exec(line)
    if (header !== null) {
      current = {}
      result.set(header[1] ?? "", current)
      continue
    }
    const pair = /^\s+([^=\s]+)=(.*)$/.exec(line)
    if (pair !== null && current !== undefined) current[pair[1] ?? ""] = pair[2] ?? ""
  }
  return result
}

/** A number from a domstats record, or undefined when missing or not numeric. */
export const statNumber = (record: Readonly<Record<string, string>>, key: string): number | undefined => {
  const value = record[key]
  if (value === undefined || value === "") return undefined
  const number = Number(value)
  return Number.isFinite(number) ? number : undefined
}

/** The domain names listed in `virsh snapshot-list --name` (one per line). */
export const parseNames = (output: string): ReadonlyArray<string> =>
  output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)

/** `domjobinfo`: one `Name: value [unit]` line per field (e.g. "Data remaining: 1.500 MiB"), kept as printed. */
export const parseJobInfo = (output: string): Readonly<Record<string, string>> =>
  Object.fromEntries(
    output
      .split("\n")
      .map((line) => /^([^:]+):\s*(.*?)\s*$/.exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[1]?.trim() ?? "", match[2] ?? ""]),
  )

const UNITS: Readonly<Record<string, number>> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 }

/** A `domjobinfo` figure as a number: sizes ("1.500 MiB") in bytes, others ("196 ms", "0 pages/s") as printed. */
export const jobFigure = (info: Readonly<Record<string, string>>, key: string): number => {
  const match = /^([\d.]+)\s*(\S*)/.exec(info[key] ?? "")
  if (match === null) return 0
  const value = Number.parseFloat(match[1] ?? "0")
  return Math.round(value * (UNITS[match[2] ?? ""] ?? 1))
}
