import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { type CpioEntry, newcArchive } from "./cpio.ts"

const entries: ReadonlyArray<CpioEntry> = [
  { kind: "file", path: "etc/hyperx/version", mode: 0o644, data: Buffer.from("abc\n") },
  { kind: "file", path: "init", mode: 0o755, data: Buffer.from("#!/bin/sh\n") },
  { kind: "symlink", path: "bin/sh", target: "/bin/busybox" },
]

describe("initramfs archive", () => {
  it("H2 busybox cpio unpacks what we write: contents, modes, links and parent directories", () => {
    const dir = mkdtempSync(join(tmpdir(), "hyperx-cpio-"))
    try {
      writeFileSync(join(dir, "a.cpio"), newcArchive(entries, 1_704_067_200))
      execFileSync("busybox", ["cpio", "-i", "-d", "-F", join(dir, "a.cpio")], { cwd: dir, stdio: "ignore" })
      assert.equal(readFileSync(join(dir, "etc/hyperx/version"), "utf8"), "abc\n")
      assert.equal(statSync(join(dir, "init")).mode & 0o777, 0o755)
      assert.equal(readlinkSync(join(dir, "bin/sh")), "/bin/busybox")
      assert.ok(statSync(join(dir, "etc/hyperx")).isDirectory())
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("H2 the same entries give the same bytes, whatever their order", () => {
    assert.deepEqual(newcArchive(entries, 1), newcArchive([...entries].reverse(), 1))
  })
})
