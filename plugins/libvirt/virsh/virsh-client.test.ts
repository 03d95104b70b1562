import assert from "node:assert/strict"
import { after, describe, it } from "node:test"
import { Effect, Exit, Fiber, Stream } from "effect"
import type { LibvirtClient } from "./client.ts"
import { type LibvirtError, toDriverError } from "./errors.ts"
import type { LibvirtEvent } from "./events.ts"
import { type FakeVirsh, makeFakeVirsh } from "./testing/fake-virsh.ts"
import { makeVirshClient, type VirshClientOptions } from "./virsh-client.ts"

const fakes: Array<FakeVirsh> = []
after(() => {
  for (const fake of fakes) fake.remove()
})

/** A client over a fake virsh whose `event` command prints nothing and stays (until killed). */
const withClient = <A>(
  cases: string,
  use: (client: LibvirtClient, fake: FakeVirsh) => Effect.Effect<A, LibvirtError>,
  options: VirshClientOptions = {},
  prepare: (fake: FakeVirsh) => void = () => {},
) => {
  const fake = makeFakeVirsh(`${cases}\n  'event --all --loop --timestamp') exec sleep 600 ;;`)
  fakes.push(fake)
  prepare(fake)
  return Effect.runPromiseExit(
    Effect.scoped(
      makeVirshClient({ binary: fake.binary, pidDir: null, ...options }).pipe(Effect.flatMap((c) => use(c, fake))),
    ),
  ).then((exit) => ({ exit, fake }))
}

const failureOf = <A>(exit: Exit.Exit<A, LibvirtError>) => {
  assert.ok(Exit.isFailure(exit), "expected a failure")
  const reason = exit.cause.reasons[0]
  assert.ok(reason !== undefined && reason._tag === "Fail", "expected a typed failure")
  return reason.error
}

describe("virsh client", () => {
  it("H3 maps libvirt's messages onto the contract's DriverError reasons", async () => {
    const messages: ReadonlyArray<readonly [string, string, string]> = [
      ["domstate --reason ghost", "error: failed to get domain 'ghost'", "DomainNotFound"],
      [
        "destroy vm-1",
        "error: Failed to destroy domain 'vm-1'\nerror: Requested operation is not valid: domain is not running",
        "WrongPowerState",
      ],
      [
        "start vm-1",
        "error: Failed to start domain 'vm-1'\nerror: Requested operation is not valid: domain is already active",
        "WrongPowerState",
      ],
      [
        "qemu-agent-command vm-1",
        "error: Guest agent is not responding: QEMU guest agent is not connected",
        "HypervisorFailure",
      ],
      ["qemu-agent-command vm-1", "error: internal error: End of file from agent socket", "HypervisorFailure"],
      [
        "define",
        "error: Failed to define domain\nerror: XML error: Invalid value for attribute 'type'",
        "InvalidRequest",
      ],
      [
        "snapshot-delete",
        "error: Domain snapshot not found: no domain snapshot with matching name 's9'",
        "InvalidRequest",
      ],
      [
        "list",
        "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock'",
        "HypervisorFailure",
      ],
      ["reset vm-1", "error: internal error: qemu unexpectedly closed the monitor", "HypervisorFailure"],
    ]
    for (const [command, stderr, expected] of messages) {
      const cases = `  *) printf '%s\\n' ${JSON.stringify(stderr)} >&2; exit 1 ;;`
      const { exit } = await withClient(cases, (client) => client.domainState(command.split(" ").at(-1) ?? "vm-1"))
      const error = failureOf(exit)
      const driverError = toDriverError("libvirt", "test", "vm-1")(error)
      assert.equal(driverError.reason._tag, expected, `${stderr} → ${error.kind}`)
      if (expected === "HypervisorFailure" && /agent|connect/.test(stderr)) assert.ok(driverError.isRetryable)
    }
  })

  it("H3 a call past its timeout is killed and fails as Timeout", async () => {
    const { exit } = await withClient(
      `  'domstate --reason slow') exec sleep 30 ;;`,
      (client) => client.domainState("slow"),
      {
        timeoutMs: 300,
      },
    )
    const error = failureOf(exit)
    assert.equal(error.kind, "timeout")
    assert.equal(toDriverError("libvirt", "inspect", "slow")(error).reason._tag, "Timeout")
  })

  it("H3 parses domstate, list and domstats, and passes every argument as its own argv word", async () => {
    const cases = [
      `  'domstate --reason vm-1') echo "shut off (saved)" ;;`,
      `  'list --all --title') printf ' Id   Name   State      Title\\n----\\n 1    vm-1   running    hyperx\\n -    x      shut off   \\n' ;;`,
      `  'domstats --raw --state --balloon vm-1') printf "Domain: 'vm-1'\\n  state.state=1\\n  balloon.current=131072\\n\\n" ;;`,
    ].join("\n")
    const { exit } = await withClient(cases, (client) =>
      Effect.all([client.domainState("vm-1"), client.listDomains(), client.domainStats("vm-1", ["state", "balloon"])]),
    )
    assert.ok(Exit.isSuccess(exit))
    const [state, listed, stats] = exit.value
    assert.deepEqual(state, { power: "stopped", reason: "saved" })
    assert.deepEqual(
      listed.map((domain) => [domain.name, domain.power, domain.title]),
      [
        ["vm-1", "running", "hyperx"],
        ["x", "stopped", ""],
      ],
    )
    assert.equal(stats["balloon.current"], "131072")
  })

  it("H3 define hands libvirt the XML in a file that is gone afterwards", async () => {
    const cases = `  define\\ *) cp "$2" ${JSON.stringify("$(dirname $0)/defined.xml")}; ls "$2" > /dev/null ;;`
    const { exit, fake } = await withClient(cases, (client) => client.defineXml("<domain type='qemu'/>\n"))
    assert.ok(Exit.isSuccess(exit))
    const [call] = fake.calls().filter((line) => line.startsWith("define "))
    const file = call?.slice("define ".length) ?? ""
    assert.match(file, /hyperx-virsh-.*\/device\.xml$/)
    const { existsSync, readFileSync } = await import("node:fs")
    assert.equal(existsSync(file), false)
    assert.equal(readFileSync(`${fake.dir}/defined.xml`, "utf8"), "<domain type='qemu'/>\n")
  })

  it("H3 guest-agent replies are decoded; a secret goes through stdin, never argv", async () => {
    const cases = `  qemu-agent-command\\ vm-1\\ *guest-get-fsinfo*) echo '{"return":[{"mountpoint":"/","used-bytes":1}]}' ;;`
    const { exit, fake } = await withClient(cases, (client) =>
      Effect.all([
        client.agentCommand("vm-1", "guest-get-fsinfo"),
        client.agentCommand(
          "vm-1",
          "guest-set-user-password",
          { username: "root", password: "c2VjcmV0" },
          { secret: true },
        ),
      ]),
    )
    assert.ok(Exit.isSuccess(exit))
    assert.deepEqual(exit.value[0], [{ mountpoint: "/", "used-bytes": 1 }])
    assert.ok(!fake.calls().some((line) => line.includes("c2VjcmV0")), "the password showed in argv")
    assert.match(
      fake.stdin(),
      /^'qemu-agent-command' 'vm-1' '\{"execute":"guest-set-user-password".*c2VjcmV0.*' '--timeout' '10'\n$/,
    )

    // in stdin mode virsh exits 0 and reports the failure on stderr only
    const { exit: failed } = await withClient(
      cases,
      (client) =>
        client.agentCommand(
          "vm-1",
          "guest-set-user-password",
          { username: "root", password: "eA==" },
          { secret: true },
        ),
      {},
      (other) => other.failStdin("error: Guest agent is not responding: QEMU guest agent is not connected\n"),
    )
    assert.equal(failureOf(failed).kind, "agent-unavailable")
  })

  it("H3 the event watcher parses virsh's lines and starts virsh again when it exits", async () => {
    const fake = makeFakeVirsh(
      `  'event --all --loop --timestamp') echo "2026-11-26 02:50:19.252+0000: event 'lifecycle' for domain 'vm-1': Stopped Shutdown"; sleep 0.2 ;;`,
    )
    fakes.push(fake)
    const program = Effect.gen(function* () {
      const client = yield* makeVirshClient({ binary: fake.binary, pidDir: null, eventRestartDelayMs: 50 })
      const collected = yield* client.events.pipe(Stream.take(3), Stream.runCollect, Effect.forkChild)
      return (yield* Fiber.join(collected)) as ReadonlyArray<LibvirtEvent>
    })
    const events = await Effect.runPromise(Effect.scoped(program))
    assert.equal(events.length, 3)
    assert.ok(events.every((event) => event.domain === "vm-1" && event.detail === "Stopped Shutdown"))
    assert.ok(fake.calls().filter((line) => line.startsWith("event")).length >= 3)
  })
})
