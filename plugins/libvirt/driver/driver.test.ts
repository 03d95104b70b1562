/** The driver's decisions over a fake `virsh`: what it asks libvirt, and what it refuses before asking. */
import assert from "node:assert/strict"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Effect, Exit } from "effect"
import type { DeviceSpec, VmSpec } from "../../../core/driver/spec.ts"
import { type FakeVirsh, makeFakeVirsh } from "../virsh/testing/fake-virsh.ts"
import { type LibvirtDriver, makeLibvirtDriver } from "./driver.ts"

const scratch = mkdtempSync(join(tmpdir(), "hyperx-libvirt-driver-"))
chmodSync(scratch, 0o755)
const fakes: Array<FakeVirsh> = []
after(() => {
  for (const fake of fakes) fake.remove()
  rmSync(scratch, { recursive: true, force: true })
})

const LIST = `printf ' Id   Name   State      Title\\n---\\n 1    up     running    hyperx\\n -    down   shut off   hyperx\\n -    theirs shut off   \\n'`

/** A driver over a fake virsh: `up` runs, `down` is stopped, `theirs` is a domain without our title. */
const withDriver = async <A>(cases: string, use: (driver: LibvirtDriver) => Effect.Effect<A, unknown>) => {
  const fake = makeFakeVirsh(
    [
      cases,
      `  version) printf 'Using library: libvirt 9.0.0\\nRunning hypervisor: QEMU 7.2.22\\n' ;;`,
      `  'list --all --title') ${LIST} ;;`,
      `  'domstate --reason up') echo "running (booted)" ;;`,
      `  'domstate --reason down') echo "shut off (destroyed)" ;;`,
      `  'event --all --loop --timestamp') exec sleep 600 ;;`,
    ].join("\n"),
  )
  fakes.push(fake)
  const exit = await Effect.runPromiseExit(
    Effect.scoped(
      makeLibvirtDriver({ stateDir: join(scratch, "state"), virsh: fake.binary, eventSettleMs: 0 }).pipe(
        Effect.flatMap(use),
      ),
    ),
  )
  return { exit, calls: fake.calls() }
}

const spec = (diskPath: string): VmSpec => ({
  name: "down",
  uuid: "8e0c7a52-3b8f-4a53-9d8e-2f1d5c0b7a11",
  cpus: 1,
  sockets: 1,
  coresPerSocket: 1,
  memoryMiB: 128,
  boot: { kind: "disk" },
  disks: [{ id: "system", role: "system", path: diskPath, format: "qcow2", bus: "virtio", readonly: false }],
  cdrom: null,
  nics: [],
  devices: [],
  vnc: false,
  serial: true,
  guestAgent: false,
})

describe("libvirt driver decisions", () => {
  it("H3 list shows only the domains titled hyperx, with their power", async () => {
    const { exit } = await withDriver("", (driver) => driver.list())
    assert.ok(Exit.isSuccess(exit))
    assert.deepEqual(
      exit.value.map((info) => [info.name, info.power]),
      [
        ["up", "running"],
        ["down", "stopped"],
      ],
    )
  })

  it("H3 B1 B2 starting a running domain and stopping a stopped one ask libvirt nothing", async () => {
    const { exit, calls } = await withDriver("", (driver) =>
      Effect.all([driver.start("up"), driver.shutdown("down", { force: true, timeoutMs: 0 })]),
    )
    assert.ok(Exit.isSuccess(exit))
    assert.ok(!calls.some((call) => /^(start|destroy|shutdown) /.test(call)), calls.join("\n"))
  })

  it("H3 B1 a graceful stop presses the ACPI button and cuts power when the guest ignores it", async () => {
    const { exit, calls } = await withDriver(`  'shutdown up --mode acpi') ;;\n  'destroy up') ;;`, (driver) =>
      driver.shutdown("up", { force: false, timeoutMs: 600 }),
    )
    assert.ok(Exit.isSuccess(exit))
    assert.equal(calls.filter((call) => call === "shutdown up --mode acpi").length, 1)
    assert.equal(calls.at(-1), "destroy up")
  })

  it("H3 define refuses a disk below a folder QEMU's user cannot pass, naming the folder, before asking libvirt", async () => {
    const hidden = join(scratch, "private")
    mkdirSync(hidden, { recursive: true })
    chmodSync(hidden, 0o700)
    const { exit, calls } = await withDriver("", (driver) => driver.define(spec(join(hidden, "sys.qcow2"))))
    assert.ok(Exit.isFailure(exit))
    assert.match(String(exit.cause), new RegExp(`${hidden}.*chmod o\\+x`))
    assert.ok(!calls.some((call) => call.startsWith("define")), calls.join("\n"))
  })

  it("H3 define of a running domain is refused as WrongPowerState", async () => {
    const open = join(scratch, "open")
    mkdirSync(open, { recursive: true })
    const { exit } = await withDriver("", (driver) => driver.define({ ...spec(join(open, "sys.qcow2")), name: "up" }))
    assert.ok(Exit.isFailure(exit))
    assert.match(String(exit.cause), /WrongPowerState|up is running/)
  })

  it("X1 X4 hostDevices: a USB hostdev hot-plugs live and into the definition (golden XML), a GPU only cold", async () => {
    const usb: DeviceSpec = { id: "key-1", kind: "usb", hostAddress: "1-2", vendorId: "0781", productId: "5581" }
    const gpu: DeviceSpec = { id: "gpu-1", kind: "gpu", hostAddress: "0000:01:00.0" }
    const sent = join(scratch, "sent")
    mkdirSync(sent, { recursive: true })
    const { exit, calls } = await withDriver(
      [
        `  'dumpxml up'|'dumpxml up --inactive'|'dumpxml down --inactive') echo "<domain/>" ;;`,
        `  'attach-device '*) cp "$3" ${JSON.stringify(sent)}/"$2.xml" ;;`,
      ].join("\n"),
      (driver) =>
        Effect.all([
          driver.hostDevices.attach("up", usb),
          driver.hostDevices.attach("down", gpu),
          Effect.flip(driver.hostDevices.attach("up", gpu)),
        ]),
    )
    assert.ok(Exit.isSuccess(exit), String(Exit.isFailure(exit) ? exit.cause : ""))
    assert.equal(exit.value[2].reason._tag, "InvalidRequest", "a GPU never joins a running domain")
    const attaches = calls.filter((call) => call.startsWith("attach-device"))
    assert.deepEqual(
      attaches.map((call) => call.replace(/ \S+device\.xml/, " FILE")),
      ["attach-device up FILE --live --config", "attach-device down FILE --config"],
    )
    const golden = fileURLToPath(new URL("../xml/golden/attach/", import.meta.url))
    for (const [file, name] of [
      ["up.xml", "hostdev-usb.xml"],
      ["down.xml", "hostdev-gpu.xml"],
    ] as const) {
      const xml = readFileSync(join(sent, file), "utf8")
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(join(golden, name), xml)
      assert.equal(xml, readFileSync(join(golden, name), "utf8"), name)
    }
  })
})
