import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Schema } from "effect"
import { ImageInfo } from "../qmp/commands/block.ts"
import { readQcow2Snapshots } from "./qcow2-snapshots.ts"

const skip = existsSync("/usr/bin/qemu-img") ? false : "qemu-img not installed"
const dir = mkdtempSync(join(tmpdir(), "hx-qcow2-"))
after(() => rmSync(dir, { recursive: true, force: true }))

const qemuImg = (...args: ReadonlyArray<string>) => execFileSync("qemu-img", [...args], { encoding: "utf8" })
const listedByQemuImg = (path: string) =>
  Schema.decodeUnknownSync(Schema.fromJsonString(ImageInfo))(qemuImg("info", "--output=json", path)).snapshots ?? []

describe("qcow2 snapshot table", { skip }, () => {
  it("P5 lists what qemu-img lists: names of every length (entry padding), ids, times, no saved memory", () => {
    const path = join(dir, "disk.qcow2")
    qemuImg("create", "-q", "-f", "qcow2", path, "64M")
    assert.deepEqual(readQcow2Snapshots(path), [])
    for (const name of ["a", "hx-0f9c2d1e-6b7a-4c3d-9e8f-123456789abc", "seven77", "with space"]) {
      qemuImg("snapshot", "-c", name, path)
    }
    qemuImg("snapshot", "-d", "seven77", path)
    const read = readQcow2Snapshots(path)
    assert.deepEqual(read, listedByQemuImg(path))
    assert.deepEqual(
      read?.map((snapshot) => [snapshot.name, snapshot.vmStateSize]),
      [
        ["a", 0],
        ["hx-0f9c2d1e-6b7a-4c3d-9e8f-123456789abc", 0],
        ["with space", 0],
      ],
    )
  })

  it("P5 a file that is not qcow2 has no snapshot table", () => {
    const path = join(dir, "raw.img")
    writeFileSync(path, Buffer.alloc(4096))
    assert.equal(readQcow2Snapshots(path), undefined)
  })
})
