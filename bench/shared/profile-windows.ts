/**
 * Reads a `--cpu-prof` profile for the windows a bench wrote (HX_BENCH_WINDOWS: operation, start, end in monotonic
 * µs, the profile's clock): per operation, the sampled time in its windows by kind (garbage collection, idle, the
 * core's code, the drivers', Effect, pg, Kysely, Node), per run. Prints JSON:
 *   node --import tsx bench/shared/profile-windows.ts PROFILE.cpuprofile WINDOWS.json
 * A run is counted where an operation's window follows another operation's (bench/snapshots writes several windows a
 * run: between its driver calls); bench/core-overhead writes one a run.
 */
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string }
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly startTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}
type Window = readonly [string, number, number]

const [profileFile, windowsFile] = process.argv.slice(2)
if (profileFile === undefined || windowsFile === undefined)
  throw new Error("usage: profile-windows.ts PROFILE.cpuprofile WINDOWS.json")
const profile = JSON.parse(readFileSync(profileFile, "utf8")) as Profile
const windows = [...(JSON.parse(readFileSync(windowsFile, "utf8")) as ReadonlyArray<Window>)].sort(
  (a, b) => a[1] - b[1],
)

const kinds: ReadonlyArray<readonly [string, (url: string) => boolean]> = [
  ["effect", (url) => url.includes("node_modules/effect/")],
  ["kysely", (url) => url.includes("node_modules/kysely/")],
  ["pg", (url) => /node_modules\/pg[-/]/.test(url)],
  ["dependencies", (url) => url.includes("node_modules/")],
  ["core", (url) => url.includes("/core/")],
  ["drivers", (url) => url.includes("/plugins/")],
  ["bench", (url) => url.includes("/bench/")],
]
const kindOf = new Map<number, string>()
for (const { id, callFrame } of profile.nodes) {
  const special = /^\((garbage collector|idle|program)\)$/.exec(callFrame.functionName)
  kindOf.set(id, special?.[1] ?? kinds.find(([, test]) => test(callFrame.url))?.[0] ?? "node")
}

const totals = new Map<string, Map<string, number>>()
const runs = new Map<string, number>()
windows.forEach(([operation], index) => {
  if (windows[index - 1]?.[0] !== operation) runs.set(operation, (runs.get(operation) ?? 0) + 1)
})
let at = profile.startTime
let window = 0
profile.samples.forEach((node, index) => {
  at += profile.timeDeltas[index] ?? 0
  const next = profile.timeDeltas[index + 1] ?? 0
  while (window < windows.length && (windows[window]?.[2] ?? 0) < at) window++
  const current = windows[window]
  if (current === undefined || at < current[1]) return
  const byKind = totals.get(current[0]) ?? new Map<string, number>()
  const kind = kindOf.get(node) ?? "node"
  byKind.set(kind, (byKind.get(kind) ?? 0) + next)
  totals.set(current[0], byKind)
})

const perRunMs = (us: number, operation: string) => Math.round(us / (runs.get(operation) ?? 1) / 10) / 100
const report = Object.fromEntries(
  [...totals].map(([operation, byKind]) => [
    operation,
    {
      runs: runs.get(operation),
      msPerRun: Object.fromEntries(
        [...byKind].sort((a, b) => b[1] - a[1]).map(([kind, us]) => [kind, perRunMs(us, operation)]),
      ),
    },
  ]),
)
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
