import assert from "node:assert/strict"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect } from "effect"
import { makeDefinitionStore } from "./definitions.ts"
import { makeErrors } from "./errors.ts"
import { guestSpec, type TestHost } from "./testing.ts"

const dir = mkdtempSync(join(tmpdir(), "hx-definitions-"))
after(() => rmSync(dir, { recursive: true, force: true }))
const host = { diskDir: dir, manifest: { kernel: "/k", initrd: "/i", cmdline: "console=ttyS0" } } as unknown as TestHost

describe("definition store", () => {
  it("H2 definitions survive the driver: saved, loaded by a new store, removed; a broken file is skipped", async () => {
    const store = makeDefinitionStore(join(dir, "domains"), makeErrors("qemu"))
    const one = { spec: guestSpec(host, "one"), resumeSnapshot: null }
    const two = { spec: guestSpec(host, "two"), resumeSnapshot: "snap-1" }
    await Effect.runPromise(store.save("define", one))
    await Effect.runPromise(store.save("define", two))
    writeFileSync(join(dir, "domains", "broken.json"), "{ not json")

    const again = makeDefinitionStore(join(dir, "domains"), makeErrors("qemu"))
    const loaded = await Effect.runPromise(again.loadAll)
    assert.deepEqual(
      [...loaded].sort((a, b) => a.spec.name.localeCompare(b.spec.name)),
      [one, two],
    )
    await Effect.runPromise(again.remove("undefine", "one"))
    await Effect.runPromise(again.remove("undefine", "one"))
    assert.deepEqual(readdirSync(join(dir, "domains")).sort(), ["broken.json", "two.json"])
  })

  it("an empty or missing folder holds no definitions", async () => {
    const store = makeDefinitionStore(join(dir, "nothing-here"), makeErrors("qemu"))
    assert.deepEqual(await Effect.runPromise(store.loadAll), [])
  })
})
