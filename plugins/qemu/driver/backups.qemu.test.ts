import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import type { DiskSpec } from "../../../core/driver/spec.ts"
import { readPidfile } from "./process.ts"
import {
  defineGuest,
  guestShell,
  guestSpec,
  makeTestHost,
  mountDiskBySerial,
  openDriver,
  qemuInstalled,
  readInGuest,
  type ScopedDriver,
  type TestHost,
  waitForBoot,
  waitUntil,
  writeInGuest,
} from "./testing.ts"

/** Kills a process the test started, if it still runs, and waits for its exit (its file locks go with it). */
const killAndWait = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.kill("SIGKILL")
  await exited
}

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"
const sizeBySerial = `for d in /sys/block/vd*; do [ "$(cat $d/serial)" = "$1" ] && echo $(( $(cat $d/size) * 512 )); done`
const reasonOf = (error: { readonly reason: { readonly _tag: string } }) => error.reason._tag

/**
 * Whether some process holds a lock on the file, as /proc/locks tells. Probing with qemu-img instead would itself take
 * the image's lock for a moment, and a process opening the disk right then would fail to lock it.
 */
const isLocked = (path: string) => readFileSync("/proc/locks", "utf8").includes(`:${statSync(path).ino} `)

describe("QEMU driver: disk backups and quiesce", { skip, timeout: 900_000 }, () => {
  let host: TestHost
  let d: ScopedDriver
  const live = "bk-live"
  const cold = "bk-cold"
  const run = <A, E>(effect: Effect.Effect<A, E, never>) => d.run(effect)
  const backups = () => d.driver.backups
  const refusal = async <A>(effect: Effect.Effect<A, { readonly reason: { readonly _tag: string } }>) =>
    reasonOf(await run(Effect.flip(effect)))
  const backupPath = (...parts: ReadonlyArray<string>) => join(host.stateDir, "backups", ...parts)
  const dataDisk = (): DiskSpec => ({
    id: "d1",
    role: "data",
    path: join(host.diskDir, `${live}-d1.qcow2`),
    format: "qcow2",
    bus: "virtio",
    readonly: false,
  })
  /** Hot-plugs a restored volume into the live guest, mounts it and reads a file from it. */
  const readFromAttached = async (id: string, path: string, file: string) => {
    const disk: DiskSpec = { id, role: "data", path, format: "qcow2", bus: "virtio", readonly: false }
    await run(d.driver.disks.attach(live, disk))
    await run(mountDiskBySerial(d.driver, live, id, `/mnt/${id}`))
    return (await run(readInGuest(d.driver, live, `/mnt/${id}/${file}`))).toString("hex")
  }

  before(async () => {
    host = await makeTestHost()
    d = await openDriver(host)
    await run(d.driver.volumes.create({ path: dataDisk().path, format: "qcow2", sizeGiB: 1 }))
    const boot = { kind: "kernel", kernel: host.manifest.kernel, initrd: host.manifest.initrd } as const
    const withData = guestSpec(host, live, {
      boot: { ...boot, cmdline: `${host.manifest.cmdline} hyperx.mkfs=1` },
      disks: [...guestSpec(host, live).disks, dataDisk()],
    })
    await run(defineGuest(d.driver, host, withData))
    await run(defineGuest(d.driver, host, guestSpec(host, cold, { nics: [] })))
    await run(d.driver.start(live))
    await waitForBoot(d.driver, live)
  })
  after(async () => {
    await d?.close()
    host?.cleanup()
  })

  it("V4 full and incremental backups of a running VM's data disk restore into volumes that read back the same", async () => {
    const first = randomBytes(300 * 1024)
    const second = randomBytes(200 * 1024)
    await run(writeInGuest(d.driver, live, "/data/blob", first))
    const full = backupPath("d1", "nested", "full.qcow2")
    const made = await run(backups().full(live, "d1", full, { chain: "c1" }))
    assert.ok(made.sizeBytes >= first.length, `a full backup of ${made.sizeBytes} bytes holds the file`)
    await run(writeInGuest(d.driver, live, "/data/blob", second))
    const increment = backupPath("d1", "inc1.qcow2")
    const grown = await run(backups().incremental(live, "d1", increment, { chain: "c1", previous: full }))
    assert.ok(grown.sizeBytes < made.sizeBytes, `an increment of ${grown.sizeBytes} bytes holds only what changed`)

    const restored = join(host.diskDir, "restored-inc.qcow2")
    const restoredFull = join(host.diskDir, "restored-full.qcow2")
    await run(backups().restore(increment, { path: restored, format: "qcow2", sizeGiB: 1 }))
    await run(backups().restore(full, { path: restoredFull, format: "qcow2", sizeGiB: 2 }))
    assert.equal(await readFromAttached("r1", restored, "blob"), second.toString("hex"))
    assert.equal(await readFromAttached("r2", restoredFull, "blob"), first.toString("hex"))
    assert.equal(
      (await run(guestShell(d.driver, live, sizeBySerial, "r2"))).trim(),
      String(2 * 1024 ** 3),
      "a restore grows the volume to the asked size",
    )
    for (const id of ["r1", "r2"]) {
      await run(guestShell(d.driver, live, `umount /mnt/${id}`))
      await run(d.driver.disks.detach(live, id))
    }
  })

  it("V4 a stopped VM's disk backs up through a storage daemon; the chain continues across runs and boots", async () => {
    const start = async () => {
      await run(d.driver.start(cold))
      await waitForBoot(d.driver, cold)
    }
    await start()
    await run(writeInGuest(d.driver, cold, "/system/note", "version 1"))
    await run(d.driver.shutdown(cold, { force: false, timeoutMs: 60_000 }))
    const full = backupPath("sys", "cold-full.qcow2")
    await run(backups().full(cold, "sys", full, { chain: "cold" }))
    await start()
    await run(writeInGuest(d.driver, cold, "/system/note", "version 2"))
    await run(d.driver.shutdown(cold, { force: false, timeoutMs: 60_000 }))
    const increment = backupPath("sys", "cold-inc.qcow2")
    await run(backups().incremental(cold, "sys", increment, { chain: "cold", previous: full }))

    const restored = join(host.diskDir, "from-backup.qcow2")
    await run(backups().restore(increment, { path: restored, format: "qcow2", sizeGiB: 1 }))
    const booted = "bk-restored"
    const spec = guestSpec(host, booted, { nics: [] })
    await run(d.driver.define({ ...spec, disks: spec.disks.map((disk) => ({ ...disk, path: restored })) }))
    await run(d.driver.start(booted))
    await waitForBoot(d.driver, booted)
    assert.equal((await run(readInGuest(d.driver, booted, "/system/note"))).toString(), "version 2")
    await run(d.driver.shutdown(booted, { force: true, timeoutMs: 0 }))
  })

  it("V4 an increment on a wrong previous, an unknown or dropped chain is refused; dropChain is idempotent", async () => {
    const full = backupPath("d1", "r-full.qcow2")
    const first = backupPath("d1", "r-inc1.qcow2")
    const next = backupPath("d1", "r-inc2.qcow2")
    assert.equal(
      await refusal(backups().incremental(live, "d1", next, { chain: "none", previous: full })),
      "InvalidRequest",
    )
    await run(backups().full(live, "d1", full, { chain: "r" }))
    await run(backups().incremental(live, "d1", first, { chain: "r", previous: full }))
    assert.equal(
      await refusal(backups().incremental(live, "d1", next, { chain: "r", previous: full })),
      "InvalidRequest",
    )
    assert.equal(await refusal(backups().full(live, "d1", full, { chain: "r2" })), "InvalidRequest", "target exists")
    assert.equal(await refusal(backups().full(live, "nope", backupPath("x.qcow2"), { chain: "r2" })), "InvalidRequest")
    assert.equal(await refusal(backups().full("ghost", "d1", backupPath("g.qcow2"), { chain: "r2" })), "DomainNotFound")
    await run(backups().dropChain(live, "d1", "r"))
    await run(backups().dropChain(live, "d1", "r"))
    assert.equal(
      await refusal(backups().incremental(live, "d1", next, { chain: "r", previous: first })),
      "InvalidRequest",
    )
    assert.ok(!existsSync(next), "a refused increment leaves no file")

    await run(backups().dropChain(cold, "sys", "cold"))
    await run(backups().dropChain(cold, "sys", "cold"))
    const coldNext = backupPath("sys", "cold-inc2.qcow2")
    const previous = backupPath("sys", "cold-inc.qcow2")
    assert.equal(
      await refusal(backups().incremental(cold, "sys", coldNext, { chain: "cold", previous })),
      "InvalidRequest",
    )
  })

  it("V4 restore refuses a missing backup, a taken target and a chain with a missing link, leaving nothing", async () => {
    const target = { path: join(host.diskDir, "never.qcow2"), format: "qcow2", sizeGiB: 1 } as const
    assert.equal(await refusal(backups().restore(backupPath("missing.qcow2"), target)), "InvalidRequest")
    const taken = { ...target, path: join(host.diskDir, "restored-inc.qcow2") }
    assert.equal(await refusal(backups().restore(backupPath("d1", "inc1.qcow2"), taken)), "InvalidRequest")
    await run(d.driver.volumes.remove(backupPath("d1", "r-full.qcow2")))
    assert.equal(await refusal(backups().restore(backupPath("d1", "r-inc1.qcow2"), target)), "InvalidRequest")
    assert.ok(!existsSync(target.path))
  })

  it("V4 a stopped disk another process holds fails retryably and leaves no target", async () => {
    const system = guestSpec(host, cold).disks[0]?.path ?? ""
    const holder = spawn("qemu-io", ["-c", "sleep 60000", system], { stdio: ["ignore", "ignore", "pipe"] })
    let said = ""
    holder.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      said += chunk
    })
    try {
      await waitUntil("qemu-io to lock the disk", () => holder.exitCode !== null || isLocked(system))
      // A holder that could not open the disk says why (another process may hold it): the test can't go on.
      assert.equal(holder.exitCode, null, `qemu-io exited: ${said}`)
      const target = backupPath("sys", "held.qcow2")
      const error = await run(Effect.flip(backups().full(cold, "sys", target, { chain: "held" })))
      assert.equal(error.reason._tag, "HypervisorFailure", error.message)
      assert.ok(!existsSync(target))
    } finally {
      // Its lock goes only once it has exited: the next case opens the same disk.
      await killAndWait(holder)
    }
  })

  it("V4 a storage daemon left by an agent that died during a backup is ended before the next one", async () => {
    const system = guestSpec(host, cold).disks[0]?.path ?? ""
    const runDir = d.driver.runDirOf(cold)
    const pidfile = join(runDir, "qsd.pid")
    const stale = spawn(
      "qemu-storage-daemon",
      [
        "--blockdev",
        JSON.stringify({ driver: "file", filename: system, "node-name": "stale-file" }),
        "--blockdev",
        JSON.stringify({ driver: "qcow2", file: "stale-file", "node-name": "stale" }),
        "--pidfile",
        pidfile,
      ],
      { stdio: "ignore" },
    )
    const exited = new Promise((resolve) => stale.once("exit", resolve))
    try {
      // The daemon opens (and locks) the disk before it writes its pidfile: an agent's leftover daemon has done both,
      // and the driver finds it by that pidfile.
      await waitUntil(
        "the stale daemon to hold the disk and name itself in its pidfile",
        () => stale.exitCode !== null || (isLocked(system) && readPidfile(pidfile) === stale.pid),
      )
      assert.equal(stale.exitCode, null, "the stale daemon could not open the disk")
      const target = backupPath("sys", "after-stale.qcow2")
      await run(backups().full(cold, "sys", target, { chain: "after-stale" }))
      await exited
      assert.ok(existsSync(target))
      await run(backups().dropChain(cold, "sys", "after-stale"))
    } finally {
      // A daemon still running after a failure would hold the disk and keep this file's process alive.
      await killAndWait(stale)
    }
  })

  it("V4 P1 quiesce freezes the guest's disk file systems and thaws the same number", async () => {
    const frozen = await run(d.driver.quiesce.freeze(live))
    assert.ok(frozen >= 2, `froze ${frozen} file systems (/system and /data)`)
    assert.equal(
      await refusal(d.driver.quiesce.freeze(live)),
      "InvalidRequest",
      "a frozen guest refuses another freeze",
    )
    assert.equal(await run(d.driver.quiesce.thaw(live)), frozen)
    assert.equal(await run(d.driver.quiesce.thaw(live)), 0)
    await run(writeInGuest(d.driver, live, "/data/after-thaw", "writable again"))
    assert.equal(await refusal(d.driver.quiesce.freeze(cold)), "WrongPowerState")
  })
})
