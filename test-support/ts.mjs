// `node --import ./test-support/ts.mjs --test …`: the light test phase's TypeScript loader (ts-hooks.mjs says why
// not tsx). Stack traces point into the .ts sources, as under tsx.
import { register } from "node:module"

process.setSourceMapsEnabled(true)
register("./ts-hooks.mjs", import.meta.url)
