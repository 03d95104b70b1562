import assert from "node:assert/strict"
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { openDataFolder } from "./data-folder.ts"

const modeOf = (path: string) => statSync(path).mode & 0o777

describe("the data folder's modes (#14 defect 4)", () => {
  const parent = mkdtempSync(join(tmpdir(), "hx-data-modes-"))
  after(() => rmSync(parent, { recursive: true, force: true }))

  it("a new folder: the folder and disks/, images/, qemu/, backups/ are 0700", () => {
    const root = join(parent, "new")
    const folder = openDataFolder(root)
    assert.equal(modeOf(root), 0o700)
    for (const dir of ["disks", "images", "qemu", "backups"]) assert.equal(modeOf(join(root, dir)), 0o700, dir)
    assert.equal(modeOf(join(root, "secret.key")), 0o600)
    assert.deepEqual(folder.tightened, [])
  })

  it("an existing folder made world-readable (mkdir -m 755) is tightened, backups/ too, and each change is named", () => {
    const root = join(parent, "old")
    mkdirSync(join(root, "backups", "disk-1"), { recursive: true, mode: 0o755 })
    mkdirSync(join(root, "disks"), { mode: 0o755 })
    const folder = openDataFolder(root)
    assert.equal(modeOf(root), 0o700)
    assert.equal(modeOf(join(root, "backups")), 0o700)
    assert.equal(modeOf(join(root, "disks")), 0o700)
    assert.ok(folder.tightened.some((line) => line.startsWith(`${join(root, "backups")} 0755 → 0700`)))
  })
})
