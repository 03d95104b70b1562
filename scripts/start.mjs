#!/usr/bin/env node
// `npm start` (#13): the agent in ONE Node process, dist/hyperx.js imported here once dist/ is up to date (built by
// scripts/build.mjs in a child process when a source file is newer, so that esbuild stays out of the agent's memory).
// It was `node scripts/build.mjs --if-needed && node dist/hyperx.js`: a second Node start, some 100 ms of CPU.
// process.argv is `node scripts/start.mjs agent …`, as dist/hyperx.js reads it (from its third item on).
// package.json runs this with --max-semi-space-size: see "Memory" in README.md.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { upToDate } from "./build.mjs"

if (!upToDate()) {
  const build = fileURLToPath(new URL("./build.mjs", import.meta.url))
  const built = spawnSync(process.execPath, [build, "--if-needed"], { stdio: "inherit" })
  if (built.status !== 0) process.exit(built.status ?? 1)
}
await import("../dist/hyperx.js")
