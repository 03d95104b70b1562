import { WebSocket } from "ws"
import { createHyperxClient, type HyperxClient } from "../client/index.ts"
import type { Env } from "../start/config.ts"
import type { ApiCommand } from "./api-args.ts"
import { table, when } from "./format.ts"
import { cliLanguage } from "./language.ts"

// biome-ignore lint/suspicious/noExplicitAny: answers are printed loosely, column by column
type Json = any

export interface ApiIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly env: Env
  /** Resolves when the user stops a follow (Ctrl-C). */
  readonly stopped?: Promise<unknown>
}

const agentUrl = (command: ApiCommand, env: Env) =>
  command.api ?? env.HYPERX_API_URL ?? `http://127.0.0.1:${env.HYPERX_PORT ?? "8080"}`

/** An API error as one line: the message, its code and rule. */
const failure = (error: Json, status: number) =>
  error?.error
    ? `${error.error.message} (${status} ${error.error.code}${error.error.rule ? `, rule ${error.error.rule}` : ""})`
    : `HTTP ${status}`

const states = (text: string | undefined) => (text === undefined ? undefined : text.split(",").map((s) => s.trim()))

const eventLine = (event: Json) => {
  if (event._tag === "gap") return "(some events were missed)"
  if (event._tag === "task") {
    return `${when(event.at)}  task  ${event.task.operation} ${event.task.state} ${event.task.progress}%  vm ${event.task.vmId ?? "-"}  ${event.task.id}`
  }
  if (event._tag === "vm-state")
    return `${when(event.at)}  vm    ${event.vmId} ${event.from} -> ${event.to} (${event.cause})`
  return `${when(event.at)}  vm    ${event.vmId} removed`
}

/** Follow /events until the user stops: the token as a subprotocol, never in the URL. */
const follow = (command: ApiCommand & { verb: { verb: "events" } }, base: string, token: string, io: ApiIo) =>
  new Promise<number>((resolve) => {
    const url = new URL(`${base.replace(/^http/, "ws").replace(/\/+$/, "")}/api/v1/events`)
    if (command.verb.vm !== undefined) url.searchParams.set("vmId", command.verb.vm)
    const socket = new WebSocket(url, ["hyperx.v1", `hyperx.bearer.${token}`])
    socket.on("message", (data) => {
      const text = String(data)
      io.out(command.json ? text : eventLine(JSON.parse(text)))
    })
    socket.once("unexpected-response", (_request, response) => {
      io.err(`hyperx: the agent refused the event stream (HTTP ${response.statusCode})`)
      resolve(1)
    })
    socket.once("error", (error) => {
      io.err(`hyperx: ${error.message} (is the agent at ${base} running?)`)
      resolve(1)
    })
    socket.once("close", () => resolve(0))
    void io.stopped?.then(() => socket.close(1000))
  })

const run = async (api: HyperxClient, command: ApiCommand, io: ApiIo): Promise<number> => {
  const { verb } = command
  const print = (data: Json, lines: () => Array<string>) => {
    if (command.json) io.out(JSON.stringify(data, null, 2))
    else for (const line of lines()) io.out(line)
    return 0
  }
  const answer = async (
    reply: { data?: Json; error?: Json; response: Response },
    lines: (data: Json) => Array<string>,
  ) => {
    if (reply.error !== undefined || !reply.response.ok) {
      io.err(`hyperx: ${failure(reply.error, reply.response.status)}`)
      return 1
    }
    return print(reply.data, () => lines(reply.data))
  }
  switch (verb.verb) {
    case "vm.list": {
      const query = { limit: 500, ...(verb.state === undefined ? {} : { state: states(verb.state) as Json }) }
      return answer(await api.GET("/api/v1/vms", { params: { query } }), (page) => [
        ...table(
          ["ID", "NAME", "STATE", "CPUS", "MEMORY MIB", "IP"],
          page.items.map((vm: Json) => [
            vm.id,
            vm.displayName ?? "",
            vm.state ?? "",
            String(vm.cpus ?? ""),
            String(vm.memoryMiB ?? ""),
            (vm.ips ?? []).join(",") || "-",
          ]),
        ),
        `${page.items.length} of ${page.total}`,
      ])
    }
    case "vm.show":
      return answer(await api.GET("/api/v1/vms/{id}", { params: { path: { id: verb.id } } }), (detail) => [
        `${detail.vm.displayName} (${detail.vm.id})`,
        `  state    ${detail.runtime.state}${detail.runtime.stateReason ? ` (${detail.runtime.stateReason})` : ""}`,
        `  host     ${detail.runtime.host?.name ?? "-"}`,
        `  config   ${detail.config.cpus} CPU, ${detail.config.memoryMiB} MiB, ${detail.config.flavor?.name ?? "-"}, image ${detail.config.image?.name ?? "-"}`,
        `  owner    ${detail.owner?.name ?? "-"}`,
        `  actions  ${
          detail.allowedActions
            .filter((a: Json) => a.allowed)
            .map((a: Json) => a.action)
            .join(", ") || "-"
        }`,
      ])
    case "vm.start":
    case "vm.stop":
    case "vm.reboot": {
      const action = verb.verb.slice(3) as "start"
      const path = `/api/v1/vms/{id}/${action}` as "/api/v1/vms/{id}/start"
      const body = verb.verb === "vm.start" ? {} : { force: verb.force }
      const reply = await api.POST(path, { params: { path: { id: verb.id } }, body: body as Json })
      return answer(reply, (data) => [
        `${data.task.operation} started: task ${data.task.id} (hyperx tasks --vm ${verb.id})`,
      ])
    }
    case "vm.delete": {
      const reply = await api.DELETE("/api/v1/vms/{id}", {
        params: { path: { id: verb.id }, query: verb.force ? { destroy: true } : {} },
      })
      return answer(reply, (data) => [`${data.task.operation} started: task ${data.task.id}`])
    }
    case "tasks": {
      const query = {
        ...(verb.vm === undefined ? {} : { vmId: verb.vm }),
        ...(verb.state === undefined ? {} : { state: states(verb.state) as Json }),
        ...(verb.limit === undefined ? {} : { limit: verb.limit }),
      }
      return answer(await api.GET("/api/v1/tasks", { params: { query } }), (page) => [
        ...table(
          ["ID", "OPERATION", "STATE", "VM", "CREATED", "ERROR"],
          page.items.map((t: Json) => [
            t.id,
            t.operation,
            t.state,
            t.vmId ?? "-",
            when(t.createdAt),
            t.error?.message ?? "",
          ]),
        ),
        `${page.items.length} of ${page.total}`,
      ])
    }
    case "events":
      return 2
    case "flavor.list":
      return answer(await api.GET("/api/v1/flavors", { params: { query: { retired: true } } }), (page) =>
        table(
          ["ID", "NAME", "CPUS", "MEMORY MIB", "RETIRED"],
          page.items.map((f: Json) => [f.id, f.name, String(f.cpus), String(f.memoryMiB), when(f.retiredAt)]),
        ),
      )
    case "image.list":
      return answer(await api.GET("/api/v1/images", { params: { query: { retired: true } } }), (page) =>
        table(
          ["ID", "NAME", "OS", "RETIRED"],
          page.items.map((i: Json) => [i.id, i.name, i.osName, when(i.retiredAt)]),
        ),
      )
    case "flavor.create": {
      const body = { name: verb.name, cpus: verb.cpus, memoryMiB: verb.memoryMiB, perDay: verb.perDay }
      return answer(await api.POST("/api/v1/flavors", { body }), (f) => [`Made flavor ${f.name} (${f.id}).`])
    }
    case "flavor.retire":
    case "image.retire":
    case "flavor.restore":
    case "image.restore": {
      const [noun, action] = verb.verb.split(".") as ["flavor", "retire"]
      const path = `/api/v1/${noun}s/{id}/retired` as "/api/v1/flavors/{id}/retired"
      const init = { params: { path: { id: verb.id } } }
      const reply = action === "retire" ? await api.PUT(path, init) : await api.DELETE(path, init)
      return answer(reply, () => [`${action === "retire" ? "Retired" : "Restored"} ${noun} ${verb.id}.`])
    }
    case "quota.set": {
      const reply = await api.PUT("/api/v1/departments/{id}/quota", {
        params: { path: { id: verb.department } },
        body: verb.limits,
      })
      return answer(reply, () => [`Set the quota of department ${verb.department}.`])
    }
  }
}

/** Runs an API verb against the agent; 0 done, 1 refused or unreachable, 2 bad usage (no token). */
export const runApiCommand = async (command: ApiCommand, io: ApiIo): Promise<number> => {
  const token = command.token ?? io.env.HYPERX_TOKEN
  const base = agentUrl(command, io.env)
  if (token === undefined || token === "") {
    const data = command.data ?? io.env.HYPERX_DATA
    io.err(
      "hyperx: no token: set HYPERX_TOKEN or pass --token. Make one with\n" +
        `  export HYPERX_TOKEN=$(hyperx token create --user superadmin${data === undefined ? "" : ` --data ${data}`} --quiet)`,
    )
    return 2
  }
  if (command.verb.verb === "events") return follow(command as never, base, token, io)
  const language = cliLanguage(command.lang, io.env)
  const api = createHyperxClient({ baseUrl: base, token, ...(language === undefined ? {} : { language }) })
  try {
    return await run(api, command, io)
  } catch (error) {
    io.err(`hyperx: the agent at ${base} did not answer: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}
