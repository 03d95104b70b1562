import { Effect, Exit, Schema } from "effect"
import type { FileSystemUsage } from "../../../core/driver/driver.ts"
import type { DriverContext } from "./context.ts"

const FsInfo = Schema.Array(
  Schema.Struct({
    mountpoint: Schema.String,
    "used-bytes": Schema.optionalKey(Schema.Number),
    "total-bytes": Schema.optionalKey(Schema.Number),
  }),
)

const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/

/**
 * The contract's guest-agent calls through libvirt (`virsh qemu-agent-command`; libvirt owns the agent's channel).
 * The password goes through virsh's stdin, never its command line, base64-encoded as the agent wants it; the guest
 * hashes it (chpasswd). `setAuthorizedKeys` replaces the user's keys.
 */
export const makeGuestAgent = (ctx: DriverContext) => {
  const { client } = ctx

  const ping = Effect.fn("LibvirtDriver.guestAgent.ping")(function* (name: string) {
    yield* ctx.call("guestAgent.ping", name, client.agentCommand(name, "guest-ping", undefined, { timeoutS: 5 }))
  })

  const setPassword = Effect.fn("LibvirtDriver.guestAgent.setPassword")(function* (
    name: string,
    user: string,
    password: string,
  ) {
    const operation = "guestAgent.setPassword"
    if (!USER.test(user) || password === "")
      return yield* ctx.errors.invalid(operation, "bad user name or empty password")
    const args = { username: user, password: Buffer.from(password, "utf8").toString("base64"), crypted: false }
    yield* ctx.exclusive(name)(
      ctx.call(operation, name, client.agentCommand(name, "guest-set-user-password", args, { secret: true })),
    )
  })

  const setAuthorizedKeys = Effect.fn("LibvirtDriver.guestAgent.setAuthorizedKeys")(function* (
    name: string,
    user: string,
    keys: ReadonlyArray<string>,
  ) {
    const operation = "guestAgent.setAuthorizedKeys"
    if (!USER.test(user)) return yield* ctx.errors.invalid(operation, "bad user name")
    if (keys.some((key) => key.trim() === "" || key.includes("\n"))) {
      return yield* ctx.errors.invalid(operation, "a key is empty or spans several lines")
    }
    const args = { username: user, keys, reset: true }
    yield* ctx.exclusive(name)(
      ctx.call(operation, name, client.agentCommand(name, "guest-ssh-add-authorized-keys", args)),
    )
  })

  const fileSystems = Effect.fn("LibvirtDriver.guestAgent.fileSystems")(function* (name: string) {
    const operation = "guestAgent.fileSystems"
    const reply = yield* ctx.call(operation, name, client.agentCommand(name, "guest-get-fsinfo"))
    const decoded = Schema.decodeUnknownExit(FsInfo)(reply)
    if (Exit.isFailure(decoded)) return yield* ctx.errors.failure(operation, "unreadable guest-get-fsinfo reply", false)
    return decoded.value.flatMap((fs): ReadonlyArray<FileSystemUsage> => {
      const used = fs["used-bytes"]
      const total = fs["total-bytes"]
      // mounts the agent could not measure carry no figures
      return used === undefined || total === undefined || total <= 0
        ? []
        : [{ mountpoint: fs.mountpoint, usedBytes: used, totalBytes: total }]
    })
  })

  return { ping, setPassword, setAuthorizedKeys, fileSystems }
}

/**
 * Freeze and thaw the guest's file systems (`guest-fsfreeze-freeze` / `-thaw`; virsh's domfsfreeze only reports the
 * count in messages that -q silences). Both yield how many file systems changed.
 */
export const makeQuiesce = (ctx: DriverContext) => {
  const count = (operation: string, name: string, execute: string) =>
    ctx.exclusive(name)(
      Effect.gen(function* () {
        const reply = yield* ctx.call(
          operation,
          name,
          ctx.client.agentCommand(name, execute, undefined, { timeoutS: 60 }),
        )
        if (typeof reply !== "number") return yield* ctx.errors.failure(operation, `unreadable ${execute} reply`, false)
        return reply
      }),
    )
  return {
    freeze: Effect.fn("LibvirtDriver.quiesce.freeze")(function* (name: string) {
      return yield* count("quiesce.freeze", name, "guest-fsfreeze-freeze")
    }),
    thaw: Effect.fn("LibvirtDriver.quiesce.thaw")(function* (name: string) {
      return yield* count("quiesce.thaw", name, "guest-fsfreeze-thaw")
    }),
  }
}
