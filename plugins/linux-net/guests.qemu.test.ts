/**
 * Real guests on real host networking (#15): tiny Linux guests under QEMU (TCG), their NICs taps on linux-net's
 * bridges inside a network namespace this test makes, their addresses from IPAM on a real store. One boot per guest,
 * shared by every case.
 */
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { Effect, Exit, ManagedRuntime, Scope } from "effect"
import { HostNetwork, type HostNetworkSpec } from "../../core/network/host-network.ts"
import { Store } from "../../core/store/ports.ts"
import { insertWorld, sampleRows, sampleWorld, storeBackend } from "../../core/store/testing.ts"
import { makeHostCommands } from "../host-commands/host-commands.ts"
import { buildGuest } from "../qemu/guest/build.ts"
import { GUEST_BOOT_LINE } from "../qemu/guest/recipe.ts"
import {
  connectAgent,
  guestShell,
  type JsonLines,
  type QemuProcess,
  SerialWatch,
  startQemu,
} from "../qemu/guest/testing.ts"
import { makeLinuxNet } from "./linux-net.ts"
import { addHostWithOutside, deleteNetns, linksWithPrefix, netnsSkipUnlessCi, uniqueName } from "./testing.ts"

interface Guest {
  readonly name: string
  readonly nicId: string
  readonly mac: string
  readonly networkId: "net-a" | "net-b" | "net-s"
  address: string
  qemu?: QemuProcess
  serial?: SerialWatch
  agent?: JsonLines
}

/** Runs a shell command in the guest through its agent (guest-exec). */
const inGuest = (guest: Guest, command: string) =>
  guestShell(guest.agent ?? assert.fail(`${guest.name} has no agent`), command)

const pings = async (from: Guest, address: string) => (await inGuest(from, `ping -c 1 -W 2 ${address}`)).code === 0

describe("guests on linux-net networks, addresses from IPAM (#15: N1, N3, N4, C6)", {
  skip: netnsSkipUnlessCi(),
}, () => {
  const hostNs = uniqueName("hxg")
  const outsideNs = uniqueName("hxo")
  const prefix = "hxq"
  let dir: string
  let scope: Scope.Closeable
  let net: Effect.Success<ReturnType<typeof makeLinuxNet>>
  const store = ManagedRuntime.make(storeBackend.layer())

  const subnets = {
    a: sampleRows.subnet({
      cidr: "10.81.0.0/24",
      gateway: "10.81.0.1",
      rangeStart: "10.81.0.10",
      rangeEnd: "10.81.0.200",
      reserved: ["10.81.0.10"],
    }),
    b: sampleRows.subnet({
      cidr: "10.82.0.0/24",
      gateway: "10.82.0.1",
      rangeStart: "10.82.0.10",
      rangeEnd: "10.82.0.200",
      reserved: [],
    }),
    s: sampleRows.subnet({
      cidr: "10.83.0.0/24",
      gateway: "10.83.0.1",
      rangeStart: "10.83.0.10",
      rangeEnd: "10.83.0.200",
      reserved: [],
      dhcp: false,
    }),
  }
  const guests: Record<"a1" | "a2" | "b1" | "s1", Guest> = {
    a1: { name: "a1", nicId: "nic-a1", mac: "52:54:00:81:00:01", networkId: "net-a", address: "" },
    a2: { name: "a2", nicId: "nic-a2", mac: "52:54:00:81:00:02", networkId: "net-a", address: "" },
    b1: { name: "b1", nicId: "nic-b1", mac: "52:54:00:82:00:01", networkId: "net-b", address: "" },
    s1: { name: "s1", nicId: "nic-s1", mac: "52:54:00:83:00:01", networkId: "net-s", address: "" },
  }
  const subnetOf = { "net-a": subnets.a, "net-b": subnets.b, "net-s": subnets.s } as const
  const kindOf = { "net-a": "isolated", "net-b": "isolated", "net-s": "shared" } as const

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hx-net-guests-"))
    addHostWithOutside(hostNs, outsideNs)

    // IPAM: each guest's primary address from the store's ledger
    await store.runPromise(
      Effect.gen(function* () {
        const db = yield* Store
        const world = yield* insertWorld(sampleWorld())
        for (const subnet of Object.values(subnets))
          yield* db.subnets.insert({ ...subnet, networkId: world.network.id })
        const allocations = yield* db.ipam.allocate(
          Object.values(guests).map((guest) => ({
            subnetId: subnetOf[guest.networkId].id,
            nicId: guest.nicId,
            kind: "primary" as const,
          })),
        )
        for (const allocation of allocations) {
          const guest = Object.values(guests).find((g) => g.nicId === allocation.nicId) ?? assert.fail()
          guest.address = allocation.address
        }
      }),
    )

    scope = await Effect.runPromise(Scope.make())
    const commands = await Effect.runPromise(Scope.provide(makeHostCommands, scope))
    net = await Effect.runPromise(
      Scope.provide(
        makeLinuxNet({ stateDir: join(dir, "net"), prefix, netns: hostNs, uplinks: ["up0"] }, commands),
        scope,
      ),
    )
    const specOf = (networkId: keyof typeof subnetOf): HostNetworkSpec => ({
      networkId,
      kind: kindOf[networkId],
      subnets: [
        { cidr: subnetOf[networkId].cidr, gateway: subnetOf[networkId].gateway, dhcp: subnetOf[networkId].dhcp },
      ],
      reservations: Object.values(guests)
        .filter((guest) => guest.networkId === networkId)
        .map((guest) => ({ mac: guest.mac, ip: guest.address })),
    })
    const taps = new Map<string, string>()
    await Effect.runPromise(
      Effect.gen(function* () {
        const host = yield* HostNetwork
        for (const networkId of ["net-a", "net-b", "net-s"] as const) yield* host.ensureNetwork(specOf(networkId))
        for (const guest of Object.values(guests)) {
          taps.set(guest.name, (yield* host.ensureTap({ nicId: guest.nicId, networkId: guest.networkId })).tap)
        }
      }).pipe(Effect.provideService(HostNetwork, net.service)),
    )

    const manifest = await Effect.runPromise(buildGuest({}))
    // every guest boots at once; each waits for its own boot line and agent
    await Promise.all(
      Object.values(guests).map(async (guest) => {
        const run = join(dir, guest.name)
        execFileSync("mkdir", ["-p", run])
        guest.qemu = startQemu(
          [
            ...["netns", "exec", hostNs, "qemu-system-x86_64"],
            ...[
              "-accel",
              "tcg,tb-size=16",
              "-machine",
              "pc",
              "-m",
              "112",
              "-nodefaults",
              "-no-user-config",
              "-display",
              "none",
            ],
            ...[
              "-kernel",
              manifest.kernel,
              "-initrd",
              manifest.initrd,
              "-append",
              `${manifest.cmdline} hyperx.hostname=${guest.name}`,
            ],
            ...[
              "-chardev",
              `socket,id=serial0,path=${run}/serial.sock,server=on,wait=off`,
              "-serial",
              "chardev:serial0",
            ],
            ...["-netdev", `tap,id=net0,ifname=${taps.get(guest.name)},script=no,downscript=no`],
            ...["-device", `virtio-net-pci,netdev=net0,mac=${guest.mac}`],
            ...["-device", "virtio-serial-pci,id=vser0"],
            ...["-chardev", `socket,id=qga0,path=${run}/qga.sock,server=on,wait=off`],
            ...["-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0"],
          ],
          "ip",
        )
        guest.serial = await SerialWatch.connect(join(run, "serial.sock"))
        await guest.serial.waitFor(new RegExp(GUEST_BOOT_LINE), 180_000)
        guest.agent = await connectAgent(join(run, "qga.sock"), 120_000)
      }),
    )
  })

  after(async () => {
    for (const guest of Object.values(guests)) {
      guest.agent?.close()
      guest.serial?.close()
      guest.qemu?.child.kill("SIGKILL")
      if (guest.qemu) await guest.qemu.exited
    }
    await Effect.runPromise(
      Effect.gen(function* () {
        const host = yield* HostNetwork
        for (const networkId of ["net-a", "net-b", "net-s"]) yield* host.removeNetwork(networkId)
      }).pipe(Effect.provideService(HostNetwork, net.service), Effect.ignore),
    )
    if (scope) await Effect.runPromise(Scope.close(scope, Exit.void))
    const left = linksWithPrefix(hostNs, prefix)
    for (const ns of [hostNs, outsideNs]) deleteNetns(ns)
    await store.dispose()
    await rm(dir, { recursive: true, force: true })
    assert.deepEqual(left, [], "devices left behind")
  })

  it("C6 DHCP on: each guest's address is the one IPAM gave its NIC", async () => {
    for (const guest of [guests.a1, guests.a2, guests.b1]) {
      let shown = ""
      for (let tries = 0; tries < 300 && !shown.includes(`inet ${guest.address}/24`); tries++) {
        shown = (await inGuest(guest, "ip -4 addr show dev eth0")).out
        if (!shown.includes(`inet ${guest.address}/24`)) await sleep(200)
      }
      assert.match(shown, new RegExp(`inet ${guest.address.replaceAll(".", "\\.")}/24`), `${guest.name}: ${shown}`)
    }
    // IPAM skipped the reserved address
    assert.notEqual(guests.a1.address, "10.81.0.10")
  })

  it("N1 two guests on one isolated network ping each other by their IPAM addresses", async () => {
    assert.ok(await pings(guests.a1, guests.a2.address), "a1 → a2")
    assert.ok(await pings(guests.a2, guests.a1.address), "a2 → a1")
  })

  it("a guest on another isolated network reaches neither of them, nor the host", async () => {
    // give b1 a route towards net-a through its gateway: only the host's rules can stop it now
    await inGuest(guests.b1, `ip route replace 10.81.0.0/24 via ${subnets.b.gateway}`)
    assert.equal(await pings(guests.b1, guests.a1.address), false, "b1 reached a1")
    assert.equal(await pings(guests.b1, guests.a2.address), false, "b1 reached a2")
    assert.equal(await pings(guests.b1, subnets.b.gateway), false, "b1 reached the host")
    assert.equal(await pings(guests.a1, "192.0.2.2"), false, "isolated a1 reached the outside")
  })

  it("DHCP off: the address set through the guest agent is IPAM's, and the shared network reaches the outside", async () => {
    const { s1 } = guests
    const set = await inGuest(
      s1,
      `killall udhcpc 2>/dev/null; ip addr add ${s1.address}/24 dev eth0 && ip route replace default via ${subnets.s.gateway}`,
    )
    assert.equal(set.code, 0, set.out)
    assert.match(
      (await inGuest(s1, "ip -4 addr show dev eth0")).out,
      new RegExp(`inet ${s1.address.replaceAll(".", "\\.")}/24`),
    )
    // the outside namespace has no route back to 10.83.0.0/24: an answer means the host masqueraded
    assert.ok(await pings(s1, "192.0.2.2"), "s1 did not reach the outside")
    assert.equal(await pings(s1, guests.a1.address), false, "the shared network reached isolated a1")
  })

  it("N3/N4 a secondary IP from IPAM, added in the guest, answers ping; once deleted it does not", async () => {
    const [secondary] = await store.runPromise(
      Effect.gen(function* () {
        const db = yield* Store
        return yield* db.ipam.allocate([{ subnetId: subnets.a.id, nicId: guests.a2.nicId, kind: "secondary" }])
      }),
    )
    const address = secondary?.address ?? assert.fail("no secondary address")
    assert.ok(![guests.a1.address, guests.a2.address].includes(address))
    assert.equal((await inGuest(guests.a2, `ip addr add ${address}/24 dev eth0`)).code, 0)
    assert.ok(await pings(guests.a1, address), "the secondary IP did not answer")
    assert.equal((await inGuest(guests.a2, `ip addr del ${address}/24 dev eth0`)).code, 0)
    await store.runPromise(Store.use((db) => db.ipam.release(guests.a2.nicId, [address])))
    assert.equal(await pings(guests.a1, address), false, "a deleted secondary IP still answered")
  })
})
