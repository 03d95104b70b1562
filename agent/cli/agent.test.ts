import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { missingForQemu } from "../start/hypervisor.ts"
import { hyperx, type Run, tokenPattern, up } from "./testing.ts"

describe("hyperx agent, as a process", () => {
  const data = mkdtempSync(join(tmpdir(), "hx-agent-test-"))
  const running: Array<Run> = []
  after(() => {
    for (const run of running) run.child.kill("SIGKILL")
    rmSync(data, { recursive: true, force: true })
  })
  const agent = () => {
    const run = hyperx(["agent", "--data", data, "--port", "0", "--driver", "fake"])
    running.push(run)
    return run
  }

  it("starts on a fresh data folder and prints a superadmin token once; admin verbs reach it; a second start prints none", async () => {
    const first = agent()
    const origin = await up(first)
    const tokens = [...new Set(first.stdout.match(tokenPattern) ?? [])]
    assert.equal(tokens.length, 1, first.stdout)
    const [token] = tokens
    assert.match(first.stdout, /Superadmin token \(shown this once/)
    assert.match(first.stdout, /Demo page {2}http:\/\/127\.0\.0\.1:\d+\/demo/)
    const flavors = await fetch(`${origin}/api/v1/flavors`, { headers: { Authorization: `Bearer ${token}` } })
    assert.equal(flavors.status, 200)

    // While the agent holds the data folder, admin verbs open its embedded server directly; a second agent is refused.
    const made = hyperx(["token", "create", "--role", "user", "--department", "demo", "--data", data])
    assert.equal(await made.exited, 0, made.stderr)
    const [userToken] = made.stdout.match(tokenPattern) ?? []
    const mine = await fetch(`${origin}/api/v1/vms`, { headers: { Authorization: `Bearer ${userToken}` } })
    assert.equal(mine.status, 200)
    const rival = hyperx(["agent", "--data", data, "--port", "0", "--driver", "fake"])
    assert.equal(await rival.exited, 1)
    assert.match(rival.stderr, /Another agent \(pid \d+\) uses/)

    first.child.kill("SIGTERM")
    assert.equal(await first.exited, 0, first.stderr)
    assert.match(first.stdout, /Stopped\. VMs keep running/)

    const second = agent()
    const again = await up(second)
    assert.deepEqual(second.stdout.match(tokenPattern), null)
    assert.match(second.stdout, /token was printed at the first start/)
    const still = await fetch(`${again}/api/v1/flavors`, { headers: { Authorization: `Bearer ${token}` } })
    assert.equal(still.status, 200)
    second.child.kill("SIGINT")
    assert.equal(await second.exited, 0, second.stderr)
  })

  it("without QEMU, says exactly what to install (and how to try the API without it)", () => {
    const message = missingForQemu({ PATH: "/nonexistent" }) ?? ""
    assert.match(message, /sudo apt-get install -y qemu-system-x86 qemu-utils/)
    assert.match(message, /qemu-system-x86_64 \(package qemu-system-x86\)/)
    assert.match(message, /--driver fake/)
  })

  it("a bad value exits 2 and names it; --help exits 0", async () => {
    const bad = hyperx(["agent", "--port", "eighty"])
    assert.equal(await bad.exited, 2)
    assert.match(bad.stderr, /The port must be 0–65535/)
    const help = hyperx(["token", "create", "--help"])
    assert.equal(await help.exited, 0)
    assert.match(help.stdout, /^Usage: hyperx token create/)
  })
})
