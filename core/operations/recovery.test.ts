import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Effect, Layer, ManagedRuntime } from "effect"
import pg from "pg"
import { type FakeDriver, makeFakeDriver } from "../../plugins/fake/index.ts"
import { type CrashPlan, hostConfigOf, storeLayerOf } from "../../test-support/crash-child.ts"
import { coreLayer } from "../layer.ts"
import { isTransient } from "../lifecycle/states.ts"
import type { Vm } from "../model/index.ts"
import { Store } from "../store/ports.ts"
import { testServerUrl } from "../store/testing/server.ts"
import { databaseUrl, storeBackends } from "../store/testing.ts"
import { backupDisk } from "./backups/backup.ts"
import { recover } from "./recovery.ts"
import { rollbackSnapshot } from "./snapshots/rollback.ts"
import { seedVm, seedWorld, type World } from "./testing/world.ts"

const child = fileURLToPath(new URL("../../test-support/crash-child.ts", import.meta.url))

/** Run the plan in a child process, wait until the operation is in flight, then SIGKILL it: its task id and snapshot id. */
const crashMidOperation = (plan: CrashPlan) =>
  new Promise<readonly [string, string]>((resolve, reject) => {
    const proc: ChildProcess = spawn(process.execPath, ["--import", "tsx", child, JSON.stringify(plan)], {
      stdio: ["ignore", "pipe", "pipe"],
    })
    let out = ""
    let err = ""
    proc.stderr?.on("data", (d) => {
      err += String(d)
    })
    proc.stdout?.on("data", (d) => {
      out += String(d)
      const ready = /READY (\S+) ?(\S*)\n/.exec(out)
      if (ready?.[1]) {
        proc.once("exit", (_code, signal) =>
          signal === "SIGKILL" ? resolve([ready[1] ?? "", ready[2] ?? ""]) : reject(new Error(`exit ${signal}`)),
        )
        proc.kill("SIGKILL")
      }
    })
    proc.once("exit", (code) => {
      if (!/READY/.test(out)) reject(new Error(`child exited ${code} before READY: ${err}`))
    })
  })

/** A database both processes reach: a new database on the test server. */
const durableStore = async (): Promise<{ store: CrashPlan["store"]; cleanup: () => Promise<void> }> => {
  const admin = await Effect.runPromise(testServerUrl(process.env))
  const name = `hx_recovery_${randomUUID().replaceAll("-", "").slice(0, 16)}`
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin })
    await client.connect()
    await client.query(sql).finally(() => client.end())
  }
  await query(`create database ${name}`)
  return {
    store: { kind: "postgres", url: databaseUrl(admin, name) },
    cleanup: () => query(`drop database ${name} with (force)`),
  }
}

/** The agent started after the crash: its runtime and driver, with what the scenario seeded. */
interface Agent {
  readonly runtime: ManagedRuntime.ManagedRuntime<Store | Layer.Success<ReturnType<typeof coreLayer>>, unknown>
  readonly fake: FakeDriver
  readonly world: World
  readonly vm: Vm
  readonly snapshotId: string
}

for (const backend of storeBackends) {
  describe(`crash recovery on ${backend.name}`, { skip: backend.skip }, () => {
    const cleanups: Array<() => Promise<void>> = []
    after(async () => {
      for (const cleanup of cleanups) await cleanup()
    })

    /**
     * Seed a world and a VM, crash a child mid-operation, then recover in a new core on the same database. `before`
     * runs in the new core before recovery (what else the crash left behind), `afterwards` after it (what a user does next).
     */
    const scenario = async (
      shape: Pick<CrashPlan, "prepare" | "hang" | "operation">,
      hooks: {
        readonly before?: (agent: Agent) => Promise<void>
        readonly afterwards?: (agent: Agent) => Promise<void>
      } = {},
    ) => {
      const { store, cleanup } = await durableStore()
      cleanups.push(cleanup)
      const fakeDir = mkdtempSync(join(tmpdir(), "hx-fake-"))
      cleanups.push(async () => rmSync(fakeDir, { recursive: true, force: true }))
      const stateFile = join(fakeDir, "hypervisor.json")
      const hostId = randomUUID()
      const base = { store, stateFile, hostId } as const
      const seeding = ManagedRuntime.make(storeLayerOf({ ...base } as CrashPlan))
      const { world, vm } = await seeding.runPromise(
        Effect.gen(function* () {
          const world = yield* seedWorld("fake", hostId)
          const vm = yield* seedVm(world)
          return { world, vm }
        }),
      )
      await seeding.dispose()
      const plan: CrashPlan = { ...base, actor: world.actors.owner, vmId: vm.id, ...shape }
      const [taskId, snapshotId] = await crashMidOperation(plan)

      // A new agent: a new driver instance over the hypervisor's surviving state, the same database.
      const fake = await Effect.runPromise(makeFakeDriver({ stateFile, bootDelayMs: 0, shutdownDelayMs: 0 }))
      const runtime = ManagedRuntime.make(
        Layer.merge(coreLayer({ host: hostConfigOf(plan), drivers: [fake.driver] }), storeLayerOf(plan)),
      )
      const agent: Agent = { runtime, fake, world, vm, snapshotId }
      try {
        const inFlight = await runtime.runPromise(Store.use((s) => s.vms.get(vm.id)))
        await hooks.before?.(agent)
        const results = await runtime.runPromise(recover())
        const after = await runtime.runPromise(Store.use((s) => s.vms.get(vm.id)))
        const task = await runtime.runPromise(Store.use((s) => s.tasks.get(taskId)))
        const power = (await runtime.runPromise(fake.driver.inspect(vm.hostname))).power
        const open = await runtime.runPromise(Store.use((s) => s.tasks.list({ states: ["running", "queued"] })))
        await hooks.afterwards?.(agent)
        return { inFlight, results, after, task, power, open }
      } finally {
        await runtime.dispose()
      }
    }

    it("H1 a start cut short by SIGKILL: the VM leaves 'starting' for what the hypervisor runs (stopped)", async () => {
      const r = await scenario({ prepare: null, hang: "start", operation: "start" })
      assert.equal(r.inFlight.state, "starting", "the crash left the VM transient")
      assert.equal(r.power, "stopped")
      assert.equal(r.after.state, "stopped")
      assert.ok(!isTransient(r.after.state))
      assert.equal(r.task.state, "failed")
      assert.equal(r.task.error?.code, "interrupted")
      assert.equal(r.open.length, 0, "no task stays open")
    })

    it("H1 a stop cut short by SIGKILL: the guest still runs, so the VM is running again", async () => {
      const r = await scenario({ prepare: "start", hang: "shutdown", operation: "stop" })
      assert.equal(r.inFlight.state, "stopping")
      assert.equal(r.power, "running")
      assert.equal(r.after.state, "running")
      assert.equal(r.task.state, "failed")
      assert.equal(r.task.error?.code, "interrupted")
    })

    it("B4 a deletion cut short by SIGKILL is carried through: powered off and in the recycle bin", async () => {
      const r = await scenario({ prepare: "start", hang: "shutdown", operation: "delete" })
      assert.equal(r.inFlight.state, "destroying")
      assert.equal(r.power, "stopped")
      assert.equal(r.after.state, "stopped")
      assert.ok(r.after.recycledAt instanceof Date)
      assert.equal(r.task.state, "succeeded")
    })

    it("V4 #14 a backup whose copy the hypervisor completed after the agent's death: ready, its task succeeded", async () => {
      let backupId = ""
      const r = await scenario(
        { prepare: "start", hang: "backups.full", operation: "backup" },
        {
          // The hypervisor carried the copy to its end while the agent was gone (QEMU does, see the QEMU driver's
          // backup-crash test): the backup file is whole where the record says it goes.
          before: async ({ runtime, fake, vm }) => {
            const [backup] = await runtime.runPromise(Store.use((s) => s.backups.list({ vmId: vm.id })))
            assert.equal(backup?.state, "creating", "the crash left the backup creating")
            backupId = backup?.id ?? ""
            await runtime.runPromise(
              fake.driver.backups.full(vm.hostname, backup?.diskId ?? "", backup?.location ?? "", { chain: "c" }),
            )
          },
          afterwards: async ({ runtime }) => {
            const backup = await runtime.runPromise(Store.use((s) => s.backups.get(backupId)))
            assert.equal(backup.state, "ready", "the completed copy is kept")
            assert.ok(backup.sizeBytes > 0)
          },
        },
      )
      assert.equal(r.after.state, "running")
      assert.equal(r.task.state, "succeeded", JSON.stringify(r.task.error))
    })

    it("V4 #14 a backup cut short by SIGKILL: failed, its partial file removed, and the next backup is not blocked", async () => {
      let location = ""
      let backupId = ""
      const r = await scenario(
        { prepare: "start", hang: "backups.full", operation: "backup" },
        {
          // What the copy had written when the agent died: a partial file where the backup goes.
          before: async ({ runtime, fake, vm }) => {
            const [backup] = await runtime.runPromise(Store.use((s) => s.backups.list({ vmId: vm.id })))
            assert.equal(backup?.state, "creating", "the crash left the backup creating")
            location = backup?.location ?? ""
            backupId = backup?.id ?? ""
            await runtime.runPromise(fake.driver.volumes.create({ path: location, sizeGiB: 1, format: "qcow2" }))
            assert.ok((await runtime.runPromise(fake.simulate.volumes())).some((v) => v.path === location))
          },
          afterwards: async ({ runtime, fake, world, vm }) => {
            const backup = await runtime.runPromise(Store.use((s) => s.backups.get(backupId)))
            assert.equal(backup.state, "failed", "nothing proves the copy whole")
            const files = await runtime.runPromise(fake.simulate.volumes())
            assert.ok(!files.some((v) => v.path === location), "the partial file is gone")
            const [disk] = await runtime.runPromise(Store.use((s) => s.disks.list({ vmId: vm.id })))
            const next = await runtime.runPromise(
              Effect.flatMap(backupDisk(world.actors.owner, vm.id, disk?.id ?? ""), (h) =>
                Effect.as(h.done, h.task.id),
              ),
            )
            const task = await runtime.runPromise(Store.use((s) => s.tasks.get(next)))
            assert.equal(task.state, "succeeded", JSON.stringify(task.error))
            const states = (await runtime.runPromise(Store.use((s) => s.backups.list({ vmId: vm.id })))).map(
              (b) => b.state,
            )
            assert.deepEqual(states.sort(), ["failed", "ready"])
          },
        },
      )
      assert.equal(r.after.state, "running", "the guest ran on; the VM is running")
      assert.equal(r.task.state, "failed")
      assert.equal(r.task.error?.code, "interrupted")
      assert.equal(r.open.length, 0, "no task stays open")
    })

    it("P4 #14 a rollback cut short by SIGKILL: the VM is stopped and free, the snapshot ready, and a rollback works again", async () => {
      const r = await scenario(
        { prepare: "snapshot", hang: "snapshots.revert", operation: "rollback" },
        {
          afterwards: async ({ runtime, world, vm, snapshotId }) => {
            const snapshot = await runtime.runPromise(Store.use((s) => s.snapshots.get(snapshotId)))
            assert.equal(snapshot.state, "ready")
            const again = await runtime.runPromise(
              Effect.flatMap(rollbackSnapshot(world.actors.owner, vm.id, snapshotId), (h) =>
                Effect.as(h.done, h.task.id),
              ),
            )
            const task = await runtime.runPromise(Store.use((s) => s.tasks.get(again)))
            assert.equal(task.state, "succeeded", JSON.stringify(task.error))
          },
        },
      )
      assert.equal(r.power, "stopped")
      assert.equal(r.after.state, "stopped")
      assert.equal(r.task.state, "failed")
      assert.equal(r.task.error?.code, "interrupted")
      assert.equal(r.open.length, 0, "no task stays open")
    })
  })
}
