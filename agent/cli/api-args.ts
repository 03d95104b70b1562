import { parseArgs } from "node:util"

/** `hyperx vm …`, `hyperx tasks`, `hyperx events`: verbs that talk to a running agent's API (#21). */
export type ApiVerb =
  | { readonly verb: "vm.list"; readonly state?: string }
  | { readonly verb: "vm.show"; readonly id: string }
  | { readonly verb: "vm.start" | "vm.reboot" | "vm.delete"; readonly id: string; readonly force: boolean }
  | { readonly verb: "vm.stop"; readonly id: string; readonly force: boolean }
  | { readonly verb: "tasks"; readonly vm?: string; readonly state?: string; readonly limit?: number }
  | { readonly verb: "events"; readonly vm?: string; readonly follow: boolean }
  | { readonly verb: "flavor.list" | "image.list" }
  | {
      readonly verb: "flavor.create"
      readonly name: string
      readonly cpus: number
      readonly memoryMiB: number
      readonly perDay: number
    }
  | { readonly verb: "flavor.retire" | "flavor.restore" | "image.retire" | "image.restore"; readonly id: string }
  | {
      readonly verb: "quota.set"
      readonly department: string
      readonly limits: Readonly<Record<"cpus" | "memoryMiB" | "diskGiB" | "vmCount", number | null>>
    }

export interface ApiCommand {
  readonly kind: "api"
  readonly verb: ApiVerb
  readonly json: boolean
  /** The agent's address: --api, else HYPERX_API_URL, else http://127.0.0.1:<HYPERX_PORT or 8080>. */
  readonly api: string | undefined
  /** --token, else HYPERX_TOKEN. */
  readonly token: string | undefined
  /** --data, else HYPERX_DATA: named in the hint when no token is given. */
  readonly data: string | undefined
  /** --lang: the language of the agent's messages; absent: HYPERX_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG). */
  readonly lang: string | undefined
}

export const apiUsage = `Usage: hyperx vm list [--state S[,S…]] [--json]
       hyperx vm show VM-ID [--json]
       hyperx vm start|stop|reboot|delete VM-ID [--force]
       hyperx tasks [--vm VM-ID] [--state S[,S…]] [--limit N] [--json]
       hyperx events [--vm VM-ID] --follow [--json]
       hyperx flavor list|create|retire|restore   (create: --name N --cpus C --memory-mib M --per-day P)
       hyperx image list|retire|restore IMAGE-ID
       hyperx quota set DEPARTMENT-ID --cpus C --memory-mib M --disk-gib D --vms N   (each a number or "none")

Talk to a running agent's API. Options every verb takes:
  --api URL               the agent (env HYPERX_API_URL; default http://127.0.0.1:<HYPERX_PORT or 8080>)
  --token TOKEN           a bearer token (env HYPERX_TOKEN; see hyperx token create --quiet)
  --data DIR              the agent's data folder (env HYPERX_DATA), for the token hint
  --lang zh|en            the language of the agent's messages (env HYPERX_LANG; default from LC_ALL, LC_MESSAGES
                          or LANG: zh_CN.UTF-8 answers in Chinese)
  --json                  the API's JSON instead of a table (events: one JSON object a line)
  --force                 stop/reboot: cut power or reset at once; delete: destroy instead of the recycle bin`

/** The first words of the verbs that talk to the agent's API (each has a line in `hyperx --help`). */
export const apiNouns: ReadonlyArray<string> = ["vm", "tasks", "events", "flavor", "image", "quota"]

export const isApiCommand = (argv: ReadonlyArray<string>) => apiNouns.includes(argv[0] ?? "")

class UsageError extends Error {}

const positiveInt = (text: string | undefined) => {
  if (text === undefined) return undefined
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 500) {
    throw new UsageError(`--limit is a whole number 1–500, not "${text}"`)
  }
  return Number(text)
}

const whole = (key: string, text: string | undefined, orNone = false): number | null => {
  if (text === undefined) throw new UsageError(`--${key} is required`)
  if (orNone && text === "none") return null
  if (!/^\d{1,12}$/.test(text))
    throw new UsageError(`--${key} is a whole number${orNone ? ' or "none"' : ""}, not "${text}"`)
  return Number(text)
}

/** The catalog and quota verbs (#20), over the API as a superadmin's token allows. */
const adminVerbOf = (
  noun: string,
  action: string | undefined,
  id: string | undefined,
  text: (key: string) => string | undefined,
): ApiVerb => {
  if (action === "list" && noun !== "quota") return { verb: `${noun}.list` as "flavor.list" }
  if (noun === "flavor" && action === "create") {
    const name = text("name")
    if (name === undefined) throw new UsageError("--name is required")
    return {
      verb: "flavor.create",
      name,
      cpus: whole("cpus", text("cpus")) ?? 0,
      memoryMiB: whole("memory-mib", text("memory-mib")) ?? 0,
      perDay: whole("per-day", text("per-day")) ?? 0,
    }
  }
  if (noun !== "quota" && (action === "retire" || action === "restore")) {
    if (id === undefined) throw new UsageError(`Which ${noun}? hyperx ${noun} ${action} ID`)
    return { verb: `${noun}.${action}` as "flavor.retire", id }
  }
  if (noun === "quota" && action === "set") {
    if (id === undefined) throw new UsageError("Which department? hyperx quota set DEPARTMENT-ID …")
    return {
      verb: "quota.set",
      department: id,
      limits: {
        cpus: whole("cpus", text("cpus"), true),
        memoryMiB: whole("memory-mib", text("memory-mib"), true),
        diskGiB: whole("disk-gib", text("disk-gib"), true),
        vmCount: whole("vms", text("vms"), true),
      },
    }
  }
  throw new UsageError(`"${[noun, action].filter(Boolean).join(" ")}" is not a command`)
}

const verbOf = (words: ReadonlyArray<string>, values: Record<string, string | boolean | undefined>): ApiVerb => {
  const text = (key: string) => (typeof values[key] === "string" ? (values[key] as string) : undefined)
  const [noun, action, id, ...rest] = words
  if (noun === "flavor" || noun === "image" || noun === "quota") return adminVerbOf(noun, action, id, text)
  if (noun === "tasks" || noun === "events") {
    if (words.length > 1) throw new UsageError(`hyperx ${noun} takes no words, only options: "${words[1]}"`)
    if (noun === "tasks") {
      return {
        verb: "tasks",
        ...optional("vm", text("vm")),
        ...optional("state", text("state")),
        ...optional("limit", positiveInt(text("limit"))),
      }
    }
    if (values.follow !== true) throw new UsageError("hyperx events needs --follow (the stream never ends)")
    return { verb: "events", follow: true, ...optional("vm", text("vm")) }
  }
  if (action === "list") {
    if (id !== undefined) throw new UsageError(`hyperx vm list takes no words: "${id}"`)
    return { verb: "vm.list", ...optional("state", text("state")) }
  }
  if (action === undefined || !["show", "start", "stop", "reboot", "delete"].includes(action)) {
    throw new UsageError(
      action === undefined
        ? "Which verb? list, show, start, stop, reboot or delete"
        : `"vm ${action}" is not a command`,
    )
  }
  if (id === undefined) throw new UsageError(`Which VM? hyperx vm ${action} VM-ID`)
  if (rest.length > 0) throw new UsageError(`One VM at a time: "${rest.join(" ")}"`)
  if (action === "show") return { verb: "vm.show", id }
  return { verb: `vm.${action}` as "vm.start", id, force: values.force === true }
}

/** Keys whose value is undefined are left out (exact optional properties). */
const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>

/** Reads an API verb's arguments; bad input is an error command (exit 2) with this usage text. */
export const parseApiCommand = (
  argv: ReadonlyArray<string>,
): ApiCommand | { readonly kind: "error"; readonly message: string; readonly help: string } => {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        api: { type: "string" },
        token: { type: "string" },
        data: { type: "string" },
        lang: { type: "string" },
        json: { type: "boolean" },
        force: { type: "boolean" },
        follow: { type: "boolean" },
        state: { type: "string" },
        vm: { type: "string" },
        limit: { type: "string" },
        name: { type: "string" },
        cpus: { type: "string" },
        "memory-mib": { type: "string" },
        "disk-gib": { type: "string" },
        "per-day": { type: "string" },
        vms: { type: "string" },
      },
      strict: true,
      allowPositionals: true,
    })
    return {
      kind: "api",
      verb: verbOf(positionals, values),
      json: values.json === true,
      api: values.api,
      token: values.token,
      data: values.data,
      lang: values.lang,
    }
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error), help: apiUsage }
  }
}
