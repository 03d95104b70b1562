/**
 * R9 #17 through the agents: two agents on one PostgreSQL, each with `--driver libvirt` on its own libvirt daemon
 * (plugins/libvirt/testing/two-daemons.ts: one machine, two host UUIDs), the first storing disks in the cluster's
 * shared folder. `POST /vms/{id}/migrate` moves a running tiny guest to the second: the records place it there, it
 * runs on the second daemon without a restart (a file in its RAM reads back), and the first daemon has no domain.
 * Runs in the libvirt lane (its name); skips without TEST_DATABASE_URL, libvirt or root.
 */
import assert from "node:assert/strict"
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { scratchDatabase } from "../../core/store/testing.ts"
import { guestReadFile, guestWriteFile } from "../../plugins/libvirt/testing/guest-agent.ts"
import { libvirtUnavailable } from "../../plugins/libvirt/testing/setup.ts"
import {
  extraDaemonUnavailable,
  type LibvirtDaemon,
  twoLibvirtDaemons,
} from "../../plugins/libvirt/testing/two-daemons.ts"
import { makeVirshClient } from "../../plugins/libvirt/virsh/virsh-client.ts"
import { parseDisks } from "../../plugins/libvirt/virsh/xml-read.ts"
import { createRunning } from "./migration-scenario.ts"
import { type AgentRun, apiOf, killAgent, originOf, spawnAgent, tokenOf, until } from "./testing.ts"

/** The file of the domain's system disk. */
const systemFile = (xml: string) => parseDisks(xml).find((disk) => disk.device === "disk")?.source

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : libvirtUnavailable() || extraDaemonUnavailable() || false

describe("R9 live migration between two agents on libvirt", { skip }, () => {
  const scope = Effect.runSync(Scope.make())
  const folder = mkdtempSync("/tmp/hx-lvma-")
  chmodSync(folder, 0o755)
  const runs: Array<AgentRun> = []
  let one: LibvirtDaemon
  let two: LibvirtDaemon
  let databaseUrl = ""

  before(async () => {
    ;[one, two] = await Effect.runPromise(Scope.provide(scope)(twoLibvirtDaemons(folder)))
    databaseUrl = (await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))).url
  })
  after(async () => {
    for (const run of runs) killAgent(run)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(folder, { recursive: true, force: true })
  })

  /** A virsh client on `daemon` for the test's own checks (the guest agent, the domain list). */
  const virshOn = <A, E>(
    daemon: LibvirtDaemon,
    use: (client: Effect.Success<ReturnType<typeof makeVirshClient>>) => Effect.Effect<A, E>,
  ) => Effect.runPromise(Effect.scoped(Effect.flatMap(makeVirshClient({ uri: daemon.uri }), use)))

  it("moves a running VM to the other host and back (shared, then local storage): recorded there, running there unrestarted, gone here", async () => {
    const shared = join(folder, "shared")
    mkdirSync(shared, { recursive: true, mode: 0o755 })
    const secret = join(folder, "cluster-secret")
    writeFileSync(secret, "0123456789abcdef".repeat(4), { mode: 0o600 })
    const start = async (name: string, daemon: LibvirtDaemon, peer: LibvirtDaemon, extra: ReadonlyArray<string>) => {
      const run = spawnAgent(
        databaseUrl,
        join(folder, name),
        name,
        ["--driver", "libvirt", "--cluster-secret-file", secret, ...extra],
        {
          HYPERX_LIBVIRT_URI: daemon.uri,
          HYPERX_LIBVIRT_PID_DIR: daemon.pidDir,
          HYPERX_LIBVIRT_MIGRATION_URI: peer.peerUri,
        },
      )
      runs.push(run)
      return { run, origin: await originOf(run) }
    }
    const a = await start("node-a", one, two, ["--shared-storage", shared])
    const api = apiOf(tokenOf(a.run))
    const { vmId, vm } = await createRunning(api, a.origin, { name: "mover" })
    const hostname = vm.hostname as string
    const b = await start("node-b", two, one, [])
    const hosts = (await api(a.origin, "GET", "/hosts")).body.items as Array<{ id: string; name: string }>
    const source = hosts.find((host) => host.name === "node-a")?.id
    const target = hosts.find((host) => host.name === "node-b")?.id
    assert.ok(source && target, "node-a and node-b are hosts of the cluster")
    // a mark in the guest's RAM (its initramfs): a guest that restarted on the way has lost it
    await until("the guest agent to answer", () =>
      virshOn(one, (client) => guestWriteFile(client, hostname, "/run/hx-moved", "still-me")).then(
        () => true,
        () => undefined,
      ),
    )

    /** Migrates the VM through `via` to `hostId`; the task's result once it succeeded. */
    const migrate = async (via: string, hostId: string) => {
      const answer = await api(via, "POST", `/vms/${vmId}/migrate`, { hostId })
      assert.equal(answer.status, 202, JSON.stringify(answer.body))
      const task = await until(
        "the migration task to end",
        async () => {
          const t = (await api(via, "GET", `/tasks/${answer.body.task.id}`)).body
          return t.state === "succeeded" || t.state === "failed" ? t : undefined
        },
        240_000,
      )
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      return task.result as { storage: string; downtimeMs: number; totalMs: number }
    }
    /** The VM is recorded on `hostId`, runs on `here` unrestarted, and `there` no longer has its domain. */
    const assertMoved = async (hostId: string, here: LibvirtDaemon, there: LibvirtDaemon) => {
      const moved = (await api(a.origin, "GET", `/vms/${vmId}`)).body.vm
      assert.equal(moved.hostId, hostId, "the records place the VM on the target")
      assert.equal(moved.state, "running")
      const mark = await virshOn(here, (client) => guestReadFile(client, hostname, "/run/hx-moved"))
      assert.equal(mark, "still-me", "the guest on the target's daemon kept its RAM")
      const left = await virshOn(there, (client) => client.listDomains())
      assert.deepEqual(
        left.map((domain) => domain.name).filter((name) => name === hostname),
        [],
        "the source's daemon no longer has the domain",
      )
    }

    const before = systemFile(await virshOn(one, (client) => client.dumpXml(hostname)))
    // node-a keeps the disk in the shared folder: memory only
    const first = await migrate(a.origin, target)
    assert.equal(first.storage, "shared")
    await assertMoved(target, two, one)
    // node-b has no shared folder: back to node-a, libvirt copies the disk into node-a's storage
    const second = await migrate(b.origin, source)
    assert.equal(second.storage, "local")
    await assertMoved(source, one, two)
    const after = systemFile(await virshOn(one, (client) => client.dumpXml(hostname)))
    assert.ok(after !== undefined && after !== before, `the disk was copied to a new file (${before} → ${after})`)
  })
})
