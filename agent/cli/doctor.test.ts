import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { type CliIo, main } from "./main.ts"

const data = mkdtempSync(join(tmpdir(), "hx-doctor-"))

const doctor = async (args: ReadonlyArray<string>, env: CliIo["env"] = {}) => {
  const out: Array<string> = []
  const io: CliIo = {
    out: (text) => out.push(text),
    err: (text) => out.push(text),
    env,
    onStopSignal: () => new Promise(() => {}),
  }
  const code = await main(["doctor", "--data", data, ...args], io)
  return { code, text: out.join("\n") }
}

describe("hyperx doctor (#22)", () => {
  after(() => rmSync(data, { recursive: true, force: true }))

  it("an unreachable DATABASE_URL fails the check, says what to fix, and the exit code is 1", async () => {
    const { code, text } = await doctor(["--driver", "fake", "--database-url", "postgres://nobody:x@127.0.0.1:1/none"])
    assert.equal(code, 1)
    assert.match(text, /^fail {2}database {2}DATABASE_URL \(127\.0\.0\.1:1\) unreachable/m)
    assert.match(text, /fix: start PostgreSQL/)
    assert.match(text, /^ok {4}disk {6}[\d.]+ GiB free in /m)
  })

  it("a reachable database passes; the QEMU driver's checks name QEMU's version and whether KVM is usable", async () => {
    const url = process.env.TEST_DATABASE_URL
    const { code, text } = await doctor(url === undefined ? [] : ["--database-url", url])
    assert.equal(code, 0, text)
    assert.match(text, /^ok {4}qemu {6}QEMU emulator version \d+\.\d+/m)
    assert.match(text, /^(ok {4}kvm {7}KVM usable|warn {2}kvm {7}.*TCG)/m)
    assert.match(text, /^ok {4}database {2}(PostgreSQL \d+|embedded PostgreSQL)/m)
  })

  it("bad flags are a usage error (exit 2)", async () => {
    assert.equal((await doctor(["--no-such-flag"])).code, 2)
  })
})
