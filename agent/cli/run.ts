#!/usr/bin/env -S node --max-semi-space-size=2
// The built `hyperx` command (dist/hyperx.js, package.json "bin"): agent/cli/hyperx.js without tsx (#22).
// The V8 flag in the first line keeps the young generation small: see "Memory" in README.md (#13).
import { main } from "./main.ts"

const code = await main(process.argv.slice(2))
// Whatever a stopped agent or a finished command leaves behind (database handles, timers) must not keep it alive.
process.exit(code)
