// #21 A driver written without Effect, as a driver author gets it: `hyperx driver init` copies the template into a
// folder outside the repository; its `npm test` runs the conformance suite (the fake-level cases: lifecycle, graceful
// shutdown, events, reattach) and passes; `hyperx agent --driver <that folder>` loads it, prints its support matrix,
// and the README's VM is created, runs and stops through it. The checkout stands in for the installed package:
// node_modules/hyperx links to it, and Node runs with the `source` condition (and tsx) so that `hyperx/...` resolves
// to the same TypeScript modules the agent runs.
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { SupportMatrix } from "../../conformance/matrix.ts"
import { jsonApi } from "../testing/json-api.ts"
import { hyperx, tokenPattern, up } from "./testing.ts"

const run = promisify(execFile)
const root = fileURLToPath(new URL("../../", import.meta.url))
const bin = join(root, "agent/cli/hyperx.js")
const tsx = join(root, "node_modules/tsx/dist/esm/index.mjs")
const work = mkdtempSync(join(tmpdir(), "hx-driver-author-"))
chmodSync(work, 0o755) // the agent's embedded PostgreSQL runs as its own user and must reach its folder
const driverDir = join(work, "my-driver")
// Without NODE_TEST_CONTEXT: the author's `node --test` is a run of its own, not a subtest of this file's.
const { NODE_TEST_CONTEXT: _, ...outer } = process.env
const env = { ...outer, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --conditions=source`.trim() }

describe("#21 a driver written with the Promise adapter, outside the repository", { timeout: 300_000 }, () => {
  after(() => rmSync(work, { recursive: true, force: true }))

  it("hyperx driver init makes the package, named after its folder; a folder in use is refused", async () => {
    const made = hyperx(["driver", "init", driverDir], { bin, cwd: work })
    assert.equal(await made.exited, 0, made.stderr)
    for (const file of ["package.json", "driver.js", "hypervisor.js", "conformance.js", "conformance.test.js"]) {
      assert.ok(existsSync(join(driverDir, file)), file)
    }
    assert.equal(JSON.parse(readFileSync(join(driverDir, "package.json"), "utf8")).name, "my-driver")
    assert.match(made.stdout, /npm test/)
    // "hyperx" on the npm registry is another project's (F4): the line points at this one's tarball or a link
    assert.doesNotMatch(made.stdout, /npm install hyperx\b/)
    assert.match(made.stdout, /npm install \/path\/to\/hyperx-<version>\.tgz/)
    const again = hyperx(["driver", "init", driverDir], { bin, cwd: work })
    assert.equal(await again.exited, 1)
    assert.match(again.stderr, /is not empty/)
    // What `npm install hyperx` gives the author.
    mkdirSync(join(work, "node_modules"))
    symlinkSync(root, join(work, "node_modules", "hyperx"))
  })

  it("its npm test runs the conformance suite: every case of what it declares passes, the rest are skipped", async () => {
    assert.ok(existsSync(join(driverDir, "conformance.test.js")))
    const tested = await run(process.execPath, ["--import", tsx, "--test", "conformance.test.js"], {
      cwd: driverDir,
      env,
      maxBuffer: 1 << 24,
    }).catch((error: { stdout: string; stderr: string }) => ({ ...error, failed: true }))
    assert.ok(!("failed" in tested), `${tested.stdout}\n${tested.stderr}`)
    const file = join(driverDir, "conformance-matrix", "support-matrix.json")
    assert.ok(existsSync(file), `${tested.stdout}\n${tested.stderr}`)
    const matrix = SupportMatrix.make(JSON.parse(readFileSync(file, "utf8")))
    const column = matrix.drivers.example
    assert.ok(column, Object.keys(matrix.drivers).join())
    assert.deepEqual([...column.capabilities].sort(), ["events", "gracefulShutdown", "lifecycle", "reattach"])
    assert.equal(column.only, undefined, "a full run")
    const byCapability = (capability: string) =>
      matrix.rows.filter((row) => row.capability === capability).map((row) => column.results[row.id]?.status)
    for (const capability of column.capabilities) {
      const statuses = byCapability(capability)
      assert.ok(statuses.length > 0 && statuses.every((status) => status === "passed"), `${capability}: ${statuses}`)
    }
    assert.deepEqual(
      Object.values(column.results).filter((cell) => cell.status === "failed"),
      [],
    )
    assert.match(readFileSync(join(driverDir, "conformance-matrix", "support-matrix.md"), "utf8"), /example 0\.1\.0/)
  })

  it("hyperx agent --driver <its folder> prints its support matrix and runs the README's VM through it", async () => {
    const agent = hyperx(["agent", "--data", join(work, "data"), "--port", "0", "--driver", driverDir], {
      bin,
      cwd: work,
      env,
    })
    try {
      const origin = await up(agent)
      assert.match(agent.stdout, /hypervisor {3}example \(an in-memory hypervisor/)
      assert.match(agent.stdout, /driver {7}example 0\.1\.0/)
      assert.match(agent.stdout, /supports {3}lifecycle, gracefulShutdown, events, reattach\n/)
      assert.match(agent.stdout, /lacks {6}liveMigration, /)
      const token = agent.stdout.match(tokenPattern)?.[0]
      const api = jsonApi(
        () => `${origin}/api/v1`,
        () => token,
      )
      const stateOf = async (id: string) => (await api("GET", `/vms/${id}`)).body?.runtime?.state
      const until = async (what: string, predicate: () => Promise<boolean>) => {
        for (let tries = 0; !(await predicate()); tries++) {
          if (tries > 600) throw new Error(`timed out waiting for ${what}\n${agent.stdout}\n${agent.stderr}`)
          await new Promise((r) => setTimeout(r, 100))
        }
      }
      const created = await api("POST", "/vms", { imageId: "tiny-linux", flavorId: "tiny", name: "my_first_vm" })
      assert.equal(created.status, 202, JSON.stringify(created.body))
      const id: string = created.body.vmIds[0]
      await until("the VM running", async () => (await stateOf(id)) === "running")
      const version = await api("GET", "/version")
      assert.match(JSON.stringify(version.body), /example/)
      const stop = await api("POST", `/vms/${id}/stop`, {})
      assert.equal(stop.status, 202, JSON.stringify(stop.body))
      await until("the VM stopped", async () => (await stateOf(id)) === "stopped")
    } finally {
      agent.child.kill("SIGINT")
      assert.equal(await agent.exited, 0, agent.stderr)
    }
  })

  it("a module that is not a driver is refused at start with what to fix", async () => {
    const notADriver = join(work, "not-a-driver.mjs")
    writeFileSync(notADriver, "export const hello = 1\n")
    const agent = hyperx(["agent", "--data", join(work, "data2"), "--port", "0", "--driver", notADriver], {
      bin,
      cwd: work,
      env,
    })
    assert.equal(await agent.exited, 1)
    assert.match(agent.stderr, /exports no entry point: export default \(or export const createDriver\)/)
    const missing = hyperx(["agent", "--data", join(work, "data3"), "--port", "0", "--driver", "hyperx-no-such"], {
      bin,
      cwd: work,
      env,
    })
    assert.equal(await missing.exited, 1)
    assert.match(missing.stderr, /The driver package "hyperx-no-such" is not installed/)
  })
})
