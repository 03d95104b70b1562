/**
 * bench/test-startup: what one light test file costs to run as `scripts/test.sh` runs it (its own Node process, its
 * TypeScript loaded through a loader), under tsx and under test-support/ts.mjs, for a fixed sample of files: wall
 * time and CPU (user, system) of the whole process, medians of `--runs` rounds; the loaders alternate within each
 * round, so that both see the same machine. Needs TEST_DATABASE_URL (otherwise each process would start a PostgreSQL
 * server of its own) and GNU time (/usr/bin/time). Prints JSON only:
 *   node --import tsx bench/test-startup/run.ts [--runs N] [file.test.ts …]
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages, machineFacts } from "../shared/load.ts"

const runs = wholeNumberFlag("--runs", 5)
const root = fileURLToPath(new URL("../../", import.meta.url))
const loaders = { tsx: "tsx", light: "./test-support/ts.mjs" } as const
type Loader = keyof typeof loaders
// Files that start no agent process of their own: what their process costs is mostly its start-up.
const sample = [
  "core/auth/tokens.test.ts",
  "core/rules/create.test.ts",
  "core/store/vm-query.test.ts",
  "agent/routes/version.test.ts",
  "agent/routes/vms.test.ts",
  "plugins/fake/lifecycle.test.ts",
  "ui-widgets/src/i18n/locale.test.ts",
]
const files = process.argv.slice(2).filter((arg) => arg.endsWith(".test.ts"))
const chosen = files.length > 0 ? files : sample

interface Cost {
  readonly wallS: number
  readonly userS: number
  readonly sysS: number
}

/** One `node --import <loader> --test <file>`, timed by GNU time; fails if the file's tests fail. */
const once = (loader: Loader, file: string) =>
  new Promise<Cost>((resolve, reject) =>
    execFile(
      "/usr/bin/time",
      ["-f", "%e %U %S", process.execPath, "--import", loaders[loader], "--test", "--test-reporter=dot", file],
      { cwd: root, maxBuffer: 1 << 24 },
      (error, _stdout, stderr) => {
        if (error) return reject(new Error(`${loader} ${file}: ${stderr}`))
        const [wallS, userS, sysS] = (stderr.trim().split("\n").at(-1) ?? "").split(" ").map(Number)
        resolve({ wallS: wallS ?? 0, userS: userS ?? 0, sysS: sysS ?? 0 })
      },
    ),
  )

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 100) / 100
}

if ((process.env.TEST_DATABASE_URL ?? "") === "") throw new Error("bench/test-startup needs TEST_DATABASE_URL")
const loadavgAtStart = loadAverages()
const costs = new Map<string, Array<Cost>>()
for (let round = 0; round < runs; round++) {
  // Alternate which loader goes first, so that neither always meets a warmer page cache.
  const order: ReadonlyArray<Loader> = round % 2 === 0 ? ["tsx", "light"] : ["light", "tsx"]
  for (const file of chosen) {
    for (const loader of order) {
      const key = `${loader}\t${file}`
      costs.set(key, [...(costs.get(key) ?? []), await once(loader, file)])
    }
  }
}
const summary = (loader: Loader) => {
  const perFile = chosen.map((file) => {
    const all = costs.get(`${loader}\t${file}`) ?? []
    return {
      file,
      wallS: median(all.map((c) => c.wallS)),
      userS: median(all.map((c) => c.userS)),
      sysS: median(all.map((c) => c.sysS)),
    }
  })
  const total = (pick: (cost: Cost) => number) => Math.round(perFile.reduce((sum, c) => sum + pick(c), 0) * 100) / 100
  return { totalWallS: total((c) => c.wallS), totalCpuS: total((c) => c.userS + c.sysS), perFile }
}
process.stdout.write(
  `${JSON.stringify({ runs, machine: machineFacts(loadavgAtStart), tsx: summary("tsx"), light: summary("light") }, null, 2)}\n`,
)
