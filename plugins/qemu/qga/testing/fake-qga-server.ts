import { Effect, type Scope } from "effect"
import {
  type FakeJsonLineServer,
  type FakeRequest,
  startFakeJsonLineServer,
} from "../../qmp/testing/fake-json-line-server.ts"

export interface FakeQgaOptions {
  /** Lines written before the first guest-sync reply: leftovers from an earlier client. */
  readonly staleLines?: ReadonlyArray<string | Buffer>
  /** How many guest-sync requests go unanswered first (an agent still starting). */
  readonly ignoredSyncs?: number
}

/** What the fake guest holds: files by path, and what guest-set-user-password and the ssh commands did. */
export interface FakeGuest {
  readonly files: Map<string, Buffer>
  readonly passwords: Map<string, { password: string; crypted: boolean }>
  readonly authorizedKeys: Map<string, Array<string>>
  frozen: boolean
}

/**
 * A fake qemu-ga: no greeting, guest-sync echoes the id, and a small in-memory guest answers the commands the
 * client types (files, users, ssh keys, exec of /bin/echo, fsfreeze). Tests override any command with `on`.
 */
export const startFakeQgaServer = (
  options: FakeQgaOptions = {},
): Effect.Effect<{ readonly server: FakeJsonLineServer; readonly guest: FakeGuest }, never, Scope.Scope> =>
  startFakeJsonLineServer(() => {}).pipe(
    Effect.map((server) => {
      const guest: FakeGuest = { files: new Map(), passwords: new Map(), authorizedKeys: new Map(), frozen: false }
      installGuest(server, guest, options)
      return { server, guest }
    }),
  )

const argument = (request: FakeRequest, name: string): unknown => request.arguments?.[name]
const text = (request: FakeRequest, name: string): string => String(argument(request, name))

const installGuest = (server: FakeJsonLineServer, guest: FakeGuest, options: FakeQgaOptions) => {
  let syncsToIgnore = options.ignoredSyncs ?? 0
  let staleLines = options.staleLines ?? []
  server.on("guest-sync", (request, peer) => {
    if (syncsToIgnore > 0) {
      syncsToIgnore -= 1
      return undefined
    }
    for (const line of staleLines) peer.writeRaw(line)
    staleLines = []
    return { return: argument(request, "id") }
  })
  server.returns("guest-ping", {})
  server.returns("guest-info", {
    version: "7.2.22",
    supported_commands: [{ name: "guest-ping", enabled: true, "success-response": true }],
  })

  const handles = new Map<number, { path: string; offset: number }>()
  let nextHandle = 1000
  server.on("guest-file-open", (request) => {
    const path = text(request, "path")
    const mode = text(request, "mode")
    if (mode === "w") guest.files.set(path, Buffer.alloc(0))
    else if (!guest.files.has(path)) {
      return { error: { class: "GenericError", desc: `failed to open file '${path}' (mode: '${mode}')` } }
    }
    handles.set(++nextHandle, { path, offset: 0 })
    return { return: nextHandle }
  })
  server.on("guest-file-write", (request) => {
    const handle = handles.get(Number(argument(request, "handle")))
    if (!handle) return { error: { class: "GenericError", desc: "handle not found" } }
    const data = Buffer.from(text(request, "buf-b64"), "base64")
    guest.files.set(handle.path, Buffer.concat([guest.files.get(handle.path) ?? Buffer.alloc(0), data]))
    return { return: { count: data.length, eof: false } }
  })
  server.on("guest-file-read", (request) => {
    const handle = handles.get(Number(argument(request, "handle")))
    if (!handle) return { error: { class: "GenericError", desc: "handle not found" } }
    const content = guest.files.get(handle.path) ?? Buffer.alloc(0)
    const count = Number(argument(request, "count") ?? 4096)
    const chunk = content.subarray(handle.offset, handle.offset + count)
    handle.offset += chunk.length
    return {
      return: { count: chunk.length, "buf-b64": chunk.toString("base64"), eof: handle.offset >= content.length },
    }
  })
  server.on("guest-file-close", (request) =>
    handles.delete(Number(argument(request, "handle")))
      ? { return: {} }
      : { error: { class: "GenericError", desc: "handle not found" } },
  )

  server.on("guest-set-user-password", (request) => {
    const password = Buffer.from(text(request, "password"), "base64").toString("utf8")
    guest.passwords.set(text(request, "username"), { password, crypted: argument(request, "crypted") === true })
    return { return: {} }
  })
  server.on("guest-ssh-add-authorized-keys", (request) => {
    const user = text(request, "username")
    const keys = argument(request, "keys") as Array<string>
    const existing = argument(request, "reset") === true ? [] : (guest.authorizedKeys.get(user) ?? [])
    guest.authorizedKeys.set(user, [...existing, ...keys.filter((key) => !existing.includes(key))])
    return { return: {} }
  })
  server.on("guest-ssh-get-authorized-keys", (request) => ({
    return: { keys: guest.authorizedKeys.get(text(request, "username")) ?? [] },
  }))
  server.on("guest-ssh-remove-authorized-keys", (request) => {
    const user = text(request, "username")
    const keys = argument(request, "keys") as Array<string>
    guest.authorizedKeys.set(
      user,
      (guest.authorizedKeys.get(user) ?? []).filter((key) => !keys.includes(key)),
    )
    return { return: {} }
  })

  // /bin/echo runs "for a while": the first status poll finds it still running.
  const programs = new Map<number, { polls: number; output: string }>()
  let nextPid = 400
  server.on("guest-exec", (request) => {
    if (text(request, "path") !== "/bin/echo") {
      return { error: { class: "GenericError", desc: "Guest agent command failed, error was 'No such file'" } }
    }
    const args = (argument(request, "arg") as Array<string> | undefined) ?? []
    programs.set(++nextPid, { polls: 0, output: `${args.join(" ")}\n` })
    return { return: { pid: nextPid } }
  })
  server.on("guest-exec-status", (request) => {
    const program = programs.get(Number(argument(request, "pid")))
    if (!program) return { error: { class: "GenericError", desc: "Invalid parameter 'pid'" } }
    program.polls += 1
    if (program.polls < 2) return { return: { exited: false } }
    return {
      return: { exited: true, exitcode: 0, "out-data": Buffer.from(program.output).toString("base64") },
    }
  })

  server.on("guest-fsfreeze-freeze", () => {
    guest.frozen = true
    return { return: 2 }
  })
  server.on("guest-fsfreeze-thaw", () => {
    guest.frozen = false
    return { return: 2 }
  })
  server.on("guest-fsfreeze-status", () => ({ return: guest.frozen ? "frozen" : "thawed" }))
  // The real agent sends nothing back when the shutdown command succeeds.
  server.on("guest-shutdown", () => undefined)
}
