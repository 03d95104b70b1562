import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { hyperx } from "../cli/testing.ts"

const fixture = fileURLToPath(new URL("./fixtures/pglite-data-folder.tar.gz", import.meta.url))

const listing = (dir: string): ReadonlyArray<string> => readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()

describe("a data folder made by the PGlite version (today's main before #13)", () => {
  const base = mkdtempSync(join(tmpdir(), "hx-pglite-folder-"))
  after(() => rmSync(base, { recursive: true, force: true }))

  it("is refused with a message naming the converting command, and its PGlite files are left as they were", async () => {
    execFileSync("tar", ["-xzf", fixture, "-C", base])
    const data = join(base, "pglite-data-folder")
    const pgBefore = listing(join(data, "pg"))
    const versionBefore = readFileSync(join(data, "pg", "PG_VERSION"), "utf8")

    const run = hyperx(["agent", "--data", data, "--port", "0", "--driver", "fake"])
    assert.equal(await run.exited, 1)
    assert.match(run.stderr, /holds the PGlite database of an older hyperx/)
    assert.ok(run.stderr.includes(`npx hyperx data convert-pglite --data ${data}`), run.stderr)

    assert.deepEqual(listing(join(data, "pg")), pgBefore)
    assert.equal(readFileSync(join(data, "pg", "PG_VERSION"), "utf8"), versionBefore)
    assert.equal(existsSync(join(data, "pg-password")), false, "no cluster of the new kind was begun")
    assert.equal(existsSync(join(data, "agent.pid")), false, "the folder is not left locked")
  })
})
