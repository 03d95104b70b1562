// Install as a user would (#22): `npm pack` the checkout (its prepack runs `npm run build`), install the tarball into an
// empty folder with production dependencies only, run the installed `hyperx agent` (fake driver: the package, not the
// hypervisor, is under test here) and create a VM through the API, as the README's curl does. The tarball's size and
// the install time are printed as diagnostics (not asserted). Needs the npm cache to hold the dependencies (any
// `npm ci` of this checkout fills it) or the registry.
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
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
      assert.equal(demo.status, 200)
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
