// Install as a user would (#22): `npm pack` the checkout (its prepack runs `npm run build`), install the tarball into an
// empty folder with production dependencies only, run the installed `hyperx agent` (fake driver: the package, not the
// hypervisor, is under test here) and create a VM through the API, as the README's curl does. The tarball's size and
// the install time are printed as diagnostics (not asserted). Needs the npm cache to hold the dependencies (any
// `npm ci` of this checkout fills it) or the registry.
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { hyperx, tokenPattern, up } from "../agent/cli/testing.ts"

const run = promisify(execFile)
const root = fileURLToPath(new URL("../", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "hx-install-"))
// Run as root, the agent starts the embedded PostgreSQL as its own user, which must reach the installed binaries.
chmodSync(work, 0o755)
const app = join(work, "app")
const installedBin = join(app, "node_modules", "hyperx", "dist", "hyperx.js")

/** A consumer of every typed entry point, as a plug-in author, an embedder or a portal developer writes one. */
const consumerSource = `import { Effect } from "effect"
import { fakeDriverFactory } from "hyperx/plugins/fake"
import type { Capability, DriverFactory, VmSpec } from "hyperx/core/driver"
import { volumeSpecProblem } from "hyperx/core/driver"
import { runConformance, type ConformanceModule } from "hyperx/conformance"
import { createApp } from "hyperx/agent"
import { ApiClient, HxVmList, type VmRow } from "hyperx/ui-widgets/elements"
import { defineHxElements } from "hyperx/ui-widgets"
import { createHyperxClient, type components } from "hyperx/client"

const factory: DriverFactory = fakeDriverFactory()
const capability: Capability = "reattach"
export const module: Pick<ConformanceModule, "factory"> = { factory }
export const run = (config: Parameters<typeof runConformance>[1]) => Effect.runPromise(runConformance(factory, config))
export const name = (spec: VmSpec): string => spec.name
export const problem: typeof volumeSpecProblem = volumeSpecProblem
export const app: typeof createApp = createApp
export const client = new ApiClient({ base: "https://agent.example", token: "t", locale: "en" })
export const rows = (): Promise<{ items: ReadonlyArray<VmRow> }> => client.get("/vms")
export const list: HxVmList | null = document.querySelector("hx-vm-list")
defineHxElements()
void capability
const api = createHyperxClient({ baseUrl: "https://agent.example", token: "t" })
export const started = (id: string) => api.POST("/api/v1/vms/{id}/start", { params: { path: { id } } })
export const running = async (): Promise<ReadonlyArray<components["schemas"]["VmRow"]>> =>
  (await api.GET("/api/v1/vms", { params: { query: { state: ["running"], limit: 50 } } })).data?.items ?? []
`
const consumerTsconfig = {
  compilerOptions: {
    target: "es2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["es2023", "dom"],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ["node"],
  },
  include: ["src"],
}

describe("the packed tarball, installed with production dependencies only (#22)", { timeout: 600_000 }, () => {
  before(async () => {
    await run("npm", ["pack", "--pack-destination", work], { cwd: root, maxBuffer: 1 << 26 })
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"))
    assert.ok(tarball, "npm pack made no tarball")
    writeFileSync(join(work, "package.json"), "{}") // not inside the checkout's package
    rmSync(app, { recursive: true, force: true })
    await run("mkdir", ["-p", app])
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }))
    const started = performance.now()
    await run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", join(work, tarball)], {
      cwd: app,
      maxBuffer: 1 << 26,
    })
    const sizeKiB = Math.round(statSync(join(work, tarball)).size / 1024)
    process.stderr.write(
      `${JSON.stringify({ tarballKiB: sizeKiB, installMs: Math.round(performance.now() - started) })}\n`,
    )
  })
  after(() => rmSync(work, { recursive: true, force: true }))

  it("brings no build tools: no tsx, TypeScript or esbuild, no TypeScript sources", () => {
    for (const tool of ["tsx", "typescript", "esbuild"]) {
      assert.equal(existsSync(join(app, "node_modules", tool)), false, tool)
    }
    assert.ok(existsSync(installedBin))
    assert.equal(existsSync(join(app, "node_modules", "hyperx", "core")), false)
    // No plug-in file either: the command helper (plugins/host-commands/helper.mjs) is gone (#13).
    assert.equal(existsSync(join(app, "node_modules", "hyperx", "plugins")), false)
  })

  it("ships the systemd unit: restart on failure, environment file, a stop that leaves the VMs running", () => {
    const unit = readFileSync(join(app, "node_modules", "hyperx", "packaging", "hyperx.service"), "utf8")
    for (const line of ["KillMode=process", "Restart=on-failure", "EnvironmentFile=-/etc/hyperx/hyperx.env"]) {
      assert.match(unit, new RegExp(`^${line}$`, "m"), line)
    }
    assert.match(unit, /^ExecStart=\/usr\/bin\/env hyperx agent$/m)
    assert.ok(existsSync(join(app, "node_modules", "hyperx", "CHANGELOG.md")))
  })

  it("hyperx --version names the package's version", async () => {
    const { stdout } = await run(process.execPath, [installedBin, "--version"], { cwd: app })
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }
    assert.match(stdout, new RegExp(`^hyperx ${version.replaceAll(".", "\\.")} \\(API v1, database schema \\d{4}_`))
  })

  it("a plug-in author's entry points load from the installed package", async () => {
    const script = `const d = await import("hyperx/core/driver"); const c = await import("hyperx/conformance");
      const f = await import("hyperx/plugins/fake"); console.log(typeof d.volumeSpecProblem, typeof c.runConformance,
      typeof f.fakeDriverFactory)`
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: app })
    assert.equal(stdout.trim(), "function function function")
  })

  it("a TypeScript consumer compiles against the installed package's .d.ts (tsc --noEmit)", async () => {
    // What a plug-in author or portal developer adds themselves: Node's types, and lit (the widgets' base class, an
    // optional peer dependency: the bundle has its own copy).
    const { devDependencies } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>
    }
    const wanted = ["lit", "@types/node"].map((name) => `${name}@${devDependencies[name]}`)
    await run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", ...wanted], {
      cwd: app,
      maxBuffer: 1 << 26,
    })
    mkdirSync(join(app, "src"), { recursive: true })
    writeFileSync(join(app, "src", "consumer.ts"), consumerSource)
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(consumerTsconfig, null, 2))
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc")
    const checked = await run(process.execPath, [tsc, "--noEmit", "-p", app], { cwd: app }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
    )
    assert.ok(!("failed" in checked), checked.stdout)
    // The check can fail: a wrong type against the same declarations is refused.
    writeFileSync(
      join(app, "src", "wrong.ts"),
      'import type { VmSpec } from "hyperx/core/driver"\nexport const n = (spec: VmSpec): number => spec.name\n',
    )
    const wrong = await run(process.execPath, [tsc, "--noEmit", "-p", app], { cwd: app }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout }),
    )
    assert.match(wrong.stdout, /wrong\.ts.*TS2322/)
    rmSync(join(app, "src", "wrong.ts"))
  })

  it("hyperx driver init makes a driver package whose npm test passes the conformance suite on the installed build (#21)", async () => {
    const driverDir = join(app, "drivers", "my-driver")
    await run(process.execPath, [installedBin, "driver", "init", driverDir], { cwd: app })
    // The author's `npm test`, plain Node: hyperx/core/driver and hyperx/conformance are the installed package's.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env
    const tested = await run(process.execPath, ["--test", "conformance.test.js"], { cwd: driverDir, env }).catch(
      (error: { stdout: string; stderr: string }) => ({ ...error, failed: true }),
    )
    assert.ok(!("failed" in tested), `${tested.stdout}\n${tested.stderr}`)
    assert.match(tested.stdout, /# fail 0/)
    assert.match(readFileSync(join(driverDir, "conformance-matrix", "support-matrix.md"), "utf8"), /example 0\.1\.0/)
  })

  it("npx hyperx agent serves the API, the demo page and the widgets; a VM is created through it", async () => {
    const agent = hyperx(["agent", "--data", join(work, "data"), "--driver", "fake", "--port", "0"], {
      bin: installedBin,
      cwd: app,
    })
    try {
      const origin = await up(agent)
      const token = agent.stdout.match(tokenPattern)?.[0]
      assert.ok(token, agent.stdout)
      const created = await fetch(`${origin}/api/v1/vms`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ imageId: "tiny-linux", flavorId: "tiny", name: "my_first_vm" }),
      })
      assert.ok(created.status === 201 || created.status === 202, `${created.status} ${await created.clone().text()}`)
      const listed = await fetch(`${origin}/api/v1/vms`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(listed.status, 200)
      assert.match(await listed.text(), /my_first_vm/)
      const demo = await fetch(`${origin}/demo`)
      assert.equal(demo.status, 200, `${await demo.clone().text()}\n${agent.stderr}`)
      assert.match(await demo.text(), /hyperx-widgets\.js/)
      const widgets = await fetch(`${origin}/widgets/hyperx-widgets.js`)
      assert.equal(widgets.status, 200)
      assert.match(await widgets.text(), /customElements/)
    } finally {
      agent.child.kill("SIGINT")
      assert.equal(await agent.exited, 0, agent.stderr)
    }
  })
})
