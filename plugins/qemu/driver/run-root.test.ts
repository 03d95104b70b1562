import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect } from "effect"
import { makeQemuDriver } from "./driver.ts"
import { defaultRunRoot, legacyRunRoot, prepareRunRoot } from "./run-root.ts"

const root = process.getuid?.() === 0
const NOBODY = 65534

/** Runs a shell line as the unprivileged `nobody`; true when it succeeded. */
const asNobody = (script: string) => spawnSync("runuser", ["-u", "nobody", "--", "sh", "-c", script]).status === 0

describe("the run folder for VM sockets (#14: predictable and unchecked before)", {
  skip: root ? false : "needs root to act as nobody",
}, () => {
  const made: Array<string> = []
  const scratch = (prefix = "/tmp/hx-rr-") => {
    const dir = mkdtempSync(prefix)
    made.push(dir)
    return dir
  }
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true })
  })

  it("nobody's folder at the old predictable path is not used; nobody cannot touch the one used", () => {
    const state = join(scratch(), "qemu")
    // The attack: a local user makes the folder the agent would have used, open to all.
    const trap = legacyRunRoot(state)
    made.push(trap)
    assert.ok(asNobody(`mkdir -m 777 ${trap}`), "nobody could make the trap")
    const prepared = prepareRunRoot(state, undefined)
    assert.ok("root" in prepared, JSON.stringify(prepared))
    assert.equal(prepared.root, join(state, "run"))
    assert.equal(defaultRunRoot(state), prepared.root)
    const stats = statSync(prepared.root)
    assert.equal(stats.mode & 0o777, 0o700)
    assert.equal(stats.uid, process.getuid?.())
    mkdirSync(join(prepared.root, "vm1"), { mode: 0o700 })
    // What the attacker wanted: move a VM's socket folder away, or put one of their own in place.
    assert.equal(asNobody(`mv ${join(prepared.root, "vm1")} ${join(trap, "stolen")}`), false)
    assert.equal(asNobody(`mkdir ${join(prepared.root, "vm2")}`), false)
    assert.ok(existsSync(join(prepared.root, "vm1")))
  })

  it("the driver will not start on a run folder that nobody made first and left open", async () => {
    const trap = join(scratch(), "run")
    chmodSync(join(trap, ".."), 0o1777)
    assert.ok(asNobody(`mkdir -m 777 ${trap}`))
    const error = await Effect.runPromise(
      Effect.scoped(Effect.flip(makeQemuDriver({ stateDir: join(scratch(), "qemu"), runDir: trap, accel: "tcg" }))),
    )
    assert.equal(error.reason._tag, "InvalidRequest")
    assert.match(error.message, /refusing the run folder for VM sockets: .* is owned by uid 65534/)
  })

  it("a given folder owned by another user, open to others, or a symbolic link is refused with the reason", () => {
    const theirs = join(scratch(), "run")
    mkdirSync(theirs, { mode: 0o700 })
    chownSync(theirs, NOBODY, NOBODY)
    const refused = prepareRunRoot("/unused", theirs)
    assert.ok("refused" in refused)
    assert.match(refused.refused, /is owned by uid 65534, not by the agent's user/)
    const open = join(scratch(), "run")
    mkdirSync(open)
    chmodSync(open, 0o777)
    assert.match(
      (prepareRunRoot("/unused", open) as { refused: string }).refused,
      /writable by its group or by others \(mode 0777\)/,
    )
    const link = join(scratch(), "link")
    symlinkSync(scratch(), link)
    assert.match((prepareRunRoot("/unused", link) as { refused: string }).refused, /is a symbolic link/)
    const openParent = scratch()
    chmodSync(openParent, 0o777)
    assert.match(
      (prepareRunRoot("/unused", join(openParent, "run")) as { refused: string }).refused,
      /parent .* writable by others without the sticky bit/,
    )
  })

  it("a state folder too deep for socket paths gets a random /tmp folder of its own, recorded and found again", () => {
    const state = join(scratch(), "a-rather-long-folder-name-for-the-data", "qemu")
    const first = prepareRunRoot(state, undefined)
    assert.ok("root" in first)
    made.push(first.root)
    assert.match(first.root, /^\/tmp\/hx-run-\w{6}$/)
    assert.equal(statSync(first.root).mode & 0o777, 0o700)
    // The next agent on the same data folder finds the same folder, so running VMs are re-attached.
    assert.deepEqual(prepareRunRoot(state, undefined), first)
    assert.equal(defaultRunRoot(state), first.root)
    // Taken over while the agent was away (given to nobody): refused, not silently replaced.
    chownSync(first.root, NOBODY, NOBODY)
    assert.match((prepareRunRoot(state, undefined) as { refused: string }).refused, /owned by uid 65534/)
    // Gone (a reboot cleared /tmp): a fresh one.
    rmSync(first.root, { recursive: true })
    const fresh = prepareRunRoot(state, undefined)
    assert.ok("root" in fresh)
    made.push(fresh.root)
    assert.notEqual(fresh.root, first.root)
  })

  it("the folder of earlier versions is kept when it is the agent's own and closed, so running VMs stay reachable", () => {
    const state = join(scratch(), "qemu")
    const legacy = legacyRunRoot(state)
    made.push(legacy)
    mkdirSync(legacy, { mode: 0o700 })
    assert.deepEqual(prepareRunRoot(state, undefined), { root: legacy })
    assert.equal(defaultRunRoot(state), legacy)
  })
})
