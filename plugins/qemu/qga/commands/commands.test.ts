import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, type Scope } from "effect"
import { connectAgent } from "../agent.ts"
import type { QgaError } from "../errors.ts"
import { startFakeQgaServer } from "../testing/fake-qga-server.ts"
import { runInGuest } from "./exec.ts"
import { readGuestFile, writeGuestFile } from "./files.ts"
import { guestFsfreezeStatus, withFrozenFileSystems } from "./fsfreeze.ts"
import { guestShutdown } from "./power.ts"
import { fileSystemUsage, guestGetOsinfo, guestInfo } from "./system.ts"
import {
  guestSetUserPassword,
  guestSshAddAuthorizedKeys,
  guestSshGetAuthorizedKeys,
  guestSshRemoveAuthorizedKeys,
} from "./users.ts"

const run = <A, E>(program: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(program))
const reasonOf = <A, R>(effect: Effect.Effect<A, QgaError, R>) =>
  Effect.flip(effect).pipe(Effect.map((error) => error.reason))

const connected = Effect.gen(function* () {
  const fake = yield* startFakeQgaServer()
  const agent = yield* connectAgent(fake.server.path)
  return { ...fake, agent }
})

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4 lab@test"

describe("typed guest-agent commands against a fake qemu-ga", { timeout: 20_000 }, () => {
  it("D2 decodes guest-info, guest-get-osinfo and file-system usage per mount", () =>
    run(
      Effect.gen(function* () {
        const { server, agent } = yield* connected
        server.returns("guest-get-osinfo", {
          id: "debian",
          "pretty-name": "Debian GNU/Linux 12 (bookworm)",
          "kernel-release": "6.1.0-56-cloud-amd64",
          machine: "x86_64",
        })
        server.returns("guest-get-fsinfo", [
          { name: "vda1", mountpoint: "/", type: "ext4", "used-bytes": 1000, "total-bytes": 4000, disk: [] },
          { name: "vdb", mountpoint: "/mnt", type: "ext4", disk: [] },
        ])
        const info = yield* guestInfo(agent)
        assert.equal(info.version, "7.2.22")
        assert.deepEqual(info.supportedCommands[0], { name: "guest-ping", enabled: true, successResponse: true })
        const os = yield* guestGetOsinfo(agent)
        assert.equal(os.prettyName, "Debian GNU/Linux 12 (bookworm)")
        assert.equal(os.kernelRelease, "6.1.0-56-cloud-amd64")
        assert.deepEqual(yield* fileSystemUsage(agent), [{ mountpoint: "/", usedBytes: 1000, totalBytes: 4000 }])
      }),
    ))

  it("R11 sets a password as base64 plain text for chpasswd to hash", () =>
    run(
      Effect.gen(function* () {
        const { server, guest, agent } = yield* connected
        yield* guestSetUserPassword(agent, { username: "root", password: "Hunter2-密码" })
        assert.deepEqual(guest.passwords.get("root"), { password: "Hunter2-密码", crypted: false })
        const sent = server.requests.find((request) => request.execute === "guest-set-user-password")
        assert.equal(sent?.arguments?.password, Buffer.from("Hunter2-密码").toString("base64"))
      }),
    ))

  it("X5 adds, lists and removes authorized SSH keys", () =>
    run(
      Effect.gen(function* () {
        const { agent } = yield* connected
        yield* guestSshAddAuthorizedKeys(agent, { username: "lab", keys: [key] })
        assert.deepEqual(yield* guestSshGetAuthorizedKeys(agent, "lab"), [key])
        yield* guestSshRemoveAuthorizedKeys(agent, { username: "lab", keys: [key] })
        assert.deepEqual(yield* guestSshGetAuthorizedKeys(agent, "lab"), [])
      }),
    ))

  it("writes a guest file and reads it back in several requests, closing every handle", () =>
    run(
      Effect.gen(function* () {
        const { server, guest, agent } = yield* connected
        const content = Buffer.alloc(3 * 1024 * 1024 + 5, "x")
        yield* writeGuestFile(agent, "/etc/motd", content)
        assert.equal(guest.files.get("/etc/motd")?.length, content.length)
        const back = yield* readGuestFile(agent, "/etc/motd")
        assert.ok(back.equals(content))
        const opened = server.requests.filter((request) => request.execute === "guest-file-open").length
        const closed = server.requests.filter((request) => request.execute === "guest-file-close").length
        assert.equal(closed, opened)
        const missing = yield* reasonOf(readGuestFile(agent, "/nope"))
        assert.ok(missing._tag === "QgaCommandError" && /failed to open/.test(missing.desc))
      }),
    ))

  it("runs a guest program to completion, polling guest-exec-status", () =>
    run(
      Effect.gen(function* () {
        const { agent } = yield* connected
        const result = yield* runInGuest(agent, { path: "/bin/echo", args: ["hello", "guest"] })
        assert.equal(result.exitCode, 0)
        assert.equal(result.stdout.toString(), "hello guest\n")
        const missing = yield* reasonOf(runInGuest(agent, { path: "/bin/none" }))
        assert.equal(missing._tag, "QgaCommandError")
      }),
    ))

  it("P1 thaws the file systems after the frozen section, also when it fails", () =>
    run(
      Effect.gen(function* () {
        const { agent, guest } = yield* connected
        const during = yield* withFrozenFileSystems(agent, guestFsfreezeStatus(agent))
        assert.equal(during, "frozen")
        assert.equal(yield* guestFsfreezeStatus(agent), "thawed")
        const failed = yield* Effect.flip(withFrozenFileSystems(agent, Effect.fail("snapshot failed")))
        assert.equal(failed, "snapshot failed")
        assert.equal(guest.frozen, false)
      }),
    ))

  it("B1 guest-shutdown counts silence as accepted and reports an error reply", () =>
    run(
      Effect.gen(function* () {
        const { server, agent } = yield* connected
        yield* guestShutdown(agent, "powerdown", { timeoutMs: 50 })
        server.on("guest-shutdown", () => ({
          error: { class: "GenericError", desc: "child process has failed to shutdown" },
        }))
        const reason = yield* reasonOf(guestShutdown(agent, "powerdown"))
        assert.ok(reason._tag === "QgaCommandError" && /failed to shutdown/.test(reason.desc))
      }),
    ))
})
