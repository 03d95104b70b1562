import { type ParseArgsConfig, parseArgs } from "node:util"
import { Role } from "../../core/model/org.ts"
import type { AgentFlags } from "../start/config.ts"
import type { AdminRequest } from "./admin-commands.ts"
import { type HelpTopic, helpTexts } from "./help.ts"

/** What the command line asks for. */
export type Command =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "agent"; readonly flags: AgentFlags }
  | {
      readonly kind: "admin"
      readonly request: AdminRequest
      readonly flags: AgentFlags
      /** text: tables and sentences; json: the result as JSON (--json); quiet: only the secret (--quiet). */
      readonly output: "text" | "json" | "quiet"
    }
  | { readonly kind: "convert"; readonly flags: AgentFlags; readonly pglite: string | undefined }
  | { readonly kind: "error"; readonly message: string; readonly help: string }

type Options = NonNullable<ParseArgsConfig["options"]>
const text = { type: "string" } as const
const flag = { type: "boolean" } as const

const storeOptions: Options = { data: text, "database-url": text }

/** Each command's options besides --help; admin commands also take the store options. */
const commandOptions: Record<Exclude<HelpTopic, "main">, Options> = {
  agent: {
    host: text,
    port: text,
    data: text,
    "database-url": text,
    cors: text,
    driver: text,
    "public-url": text,
    name: text,
    url: text,
    "cluster-secret-file": text,
    "previous-cluster-secret-file": text,
    "shared-storage": text,
    zone: text,
    "cpu-overcommit": text,
    "memory-overcommit": text,
    "host-suspect-after": text,
    "host-down-after": text,
    "stopped-vms": text,
    "log-level": text,
    "log-format": text,
  },
  "data convert-pglite": { data: text, pglite: text },
  "token create": {
    user: text,
    role: text,
    department: text,
    name: text,
    "expires-days": text,
    ttl: text,
    quiet: flag,
    json: flag,
  },
  "token list": { user: text, json: flag },
  "token revoke": {},
  "user create": { name: text, role: text, department: text, email: text, json: flag },
  "user list": { department: text, json: flag },
  "org list": { json: flag },
  "company create": { name: text, number: text },
  "department create": { name: text, company: text, "reclaim-policy": text },
}

const topics = Object.keys(commandOptions) as ReadonlyArray<Exclude<HelpTopic, "main">>

type Values = Readonly<Record<string, string | boolean | undefined>>

const str = (values: Values, key: string) => {
  const value = values[key]
  return typeof value === "string" ? value : undefined
}

/** Keys whose value is undefined are left out, as the request schemas want (exact optional properties). */
const defined = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))

const flagsOf = (values: Values): AgentFlags =>
  defined({
    host: str(values, "host"),
    port: str(values, "port"),
    data: str(values, "data"),
    databaseUrl: str(values, "database-url"),
    cors: str(values, "cors"),
    driver: str(values, "driver"),
    publicUrl: str(values, "public-url"),
  }) as AgentFlags

/** The agent's own flags besides the store's (#16: admin verbs take a --name of their own). */
const agentFlagsOf = (values: Values): AgentFlags =>
  defined({
    ...flagsOf(values),
    name: str(values, "name"),
    url: str(values, "url"),
    clusterSecretFile: str(values, "cluster-secret-file"),
    previousClusterSecretFile: str(values, "previous-cluster-secret-file"),
    sharedStorage: str(values, "shared-storage"),
    zone: str(values, "zone"),
    cpuOvercommit: str(values, "cpu-overcommit"),
    memoryOvercommit: str(values, "memory-overcommit"),
    hostSuspectAfter: str(values, "host-suspect-after"),
    hostDownAfter: str(values, "host-down-after"),
    stoppedVms: str(values, "stopped-vms"),
    logLevel: str(values, "log-level"),
    logFormat: str(values, "log-format"),
  }) as AgentFlags

class UsageError extends Error {}

const required = (values: Values, key: string) => {
  const value = str(values, key)
  if (value === undefined || value === "") throw new UsageError(`--${key} is required`)
  return value
}

/** A role is checked here, so that a typo is a usage error (exit 2) with the choices, not a schema's report. */
const roleOf = (value: string | undefined) => {
  if (value === undefined) return undefined
  if (!(Role.literals as ReadonlyArray<string>).includes(value)) {
    throw new UsageError(`--role is ${Role.literals.join(", ")}, not "${value}"`)
  }
  return value
}

const wholeNumberOf = (flag: string, unit: string) => (value: string | undefined) => {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} takes a whole number of ${unit}, not "${value}"`)
  return Number(value)
}
const countOf = wholeNumberOf("expires-days", "days")
const secondsOf = wholeNumberOf("ttl", "seconds")

/** The admin request a command's options describe; the schema checks the values (roles, lengths) when it runs. */
const requestOf = (
  topic: Exclude<HelpTopic, "main" | "agent" | "data convert-pglite">,
  values: Values,
  positionals: ReadonlyArray<string>,
) => {
  switch (topic) {
    case "token create":
      return defined({
        verb: "token.create",
        user: str(values, "user"),
        role: roleOf(str(values, "role")),
        department: str(values, "department"),
        name: str(values, "name"),
        expiresDays: countOf(str(values, "expires-days")),
        ttlSeconds: secondsOf(str(values, "ttl")),
      })
    case "token list":
      return defined({ verb: "token.list", user: str(values, "user") })
    case "token revoke": {
      const [id] = positionals
      if (id === undefined) throw new UsageError("Which token? hyperx token revoke TOKEN-ID")
      return { verb: "token.revoke", id }
    }
    case "user create":
      return defined({
        verb: "user.create",
        name: required(values, "name"),
        role: roleOf(required(values, "role")),
        department: required(values, "department"),
        email: str(values, "email"),
      })
    case "user list":
      return defined({ verb: "user.list", department: str(values, "department") })
    case "org list":
      return { verb: "org.list" }
    case "company create":
      return { verb: "company.create", name: required(values, "name"), number: required(values, "number") }
    case "department create":
      return defined({
        verb: "department.create",
        name: required(values, "name"),
        company: str(values, "company"),
        reclaimPolicy: str(values, "reclaim-policy"),
      })
  }
}

/** The topic the first words name: "agent", or a noun and a verb ("token create"). */
const topicOf = (words: ReadonlyArray<string>): { topic: Exclude<HelpTopic, "main">; used: number } | undefined => {
  const [first, second] = words
  if (first === "agent") return { topic: "agent", used: 1 }
  const pair = `${first} ${second}` as Exclude<HelpTopic, "main">
  return topics.includes(pair) ? { topic: pair, used: 2 } : undefined
}

/** Reads `hyperx …`'s arguments (without node and the script). Never throws: bad input is an error command. */
export const parseCommand = (argv: ReadonlyArray<string>): Command => {
  const [first] = argv
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const asked = first === "help" ? topicOf(argv.slice(1)) : undefined
    return { kind: "help", text: helpTexts[asked?.topic ?? "main"] }
  }
  const found = topicOf(argv)
  if (found === undefined) {
    const noun = topics.some((topic) => topic.startsWith(`${first} `))
    return {
      kind: "error",
      message: noun ? `"${argv.slice(0, 2).join(" ")}" is not a command` : `Unknown command "${first}"`,
      help: helpTexts.main,
    }
  }
  const { topic, used } = found
  const help = helpTexts[topic]
  const options: Options = {
    ...commandOptions[topic],
    ...(topic === "agent" || topic === "data convert-pglite" ? {} : storeOptions),
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...argv.slice(used)],
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: topic === "token revoke",
    })
    if (values.help === true) return { kind: "help", text: help }
    if (topic === "agent") return { kind: "agent", flags: agentFlagsOf(values) }
    if (topic === "data convert-pglite") {
      return { kind: "convert", flags: flagsOf(values), pglite: str(values, "pglite") }
    }
    const given = values as Values
    const output = given.json === true ? "json" : given.quiet === true ? "quiet" : "text"
    const request = requestOf(topic, values, positionals) as AdminRequest
    return { kind: "admin", request, flags: flagsOf(values), output }
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error), help }
  }
}
