#!/usr/bin/env node
// The `hyperx` command (package.json "bin"): the agent and its admin verbs are TypeScript, run through tsx as the
// tests are, so this file is plain JavaScript that registers tsx and hands over.
import { register } from "tsx/esm/api"

register()
const { main } = await import("./main.ts")
const code = await main(process.argv.slice(2))
// Whatever a stopped agent or a finished command leaves behind (database handles, timers) must not keep it alive.
process.exit(code)
