import { seedIds } from "./seed.ts"

export interface StartFacts {
  readonly dataDir: string
  /** "embedded PostgreSQL 18 in <dir> (…)" or the redacted PostgreSQL URL. */
  readonly database: string
  /** "QEMU 7.2.x (kvm)", or the fake driver's warning. */
  readonly hypervisor: string
}

/** The lines printed before anything slow happens, so a new user sees what the agent is about to use. */
export const startingLines = (facts: StartFacts): ReadonlyArray<string> => [
  "hyperx agent",
  `  data folder  ${facts.dataDir}`,
  `  database     ${facts.database}`,
  `  hypervisor   ${facts.hypervisor}`,
]

export interface ReadyFacts {
  /** http://host:port */
  readonly origin: string
  readonly demoBuilt: boolean
  /** What this start seeded (empty on later starts). */
  readonly added: ReadonlyArray<string>
  /** VMs recovery brought in line with the hypervisor. */
  readonly recovered: number
  /** The first superadmin's token: only on the start that made it. */
  readonly token: string | undefined
  /** The data folder, for the admin commands the banner suggests (they must open the same one). */
  readonly dataDir: string
  /** The agent runs on DATABASE_URL: the admin commands need it too (the folder has no server of its own). */
  readonly externalDatabase: boolean
}

/** A word for a POSIX shell: as is when safe, else single-quoted. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`)

/** The message once the agent listens: what was seeded, the token (once), the URLs and the one `curl` that boots. */
export const readyLines = (facts: ReadyFacts): ReadonlyArray<string> => {
  const api = `${facts.origin}/api/v1`
  const lines: Array<string> = []
  if (facts.added.length > 0) lines.push("Seeded:", ...facts.added.map((line) => `  ${line}`))
  if (facts.recovered > 0) lines.push(`Recovery: ${facts.recovered} VM(s) reconciled with the hypervisor`)
  lines.push(
    "",
    "hyperx agent is up.",
    `  API        ${api}   (OpenAPI: ${api}/openapi.json)`,
    `  Demo page  ${facts.origin}/demo${facts.demoBuilt ? "" : "   (placeholder: the widgets' demo is not built yet)"}`,
    "",
  )
  if (facts.token !== undefined) {
    lines.push(
      "Superadmin token (shown this once, never again; keep it). In your shell:",
      `  export TOKEN=${facts.token}`,
      "",
    )
  } else {
    lines.push(
      facts.externalDatabase
        ? "The superadmin token was printed at the first start. Another, in a shell with this agent's DATABASE_URL:"
        : "The superadmin token was printed at the first start. Another:",
      `  export TOKEN=$(npx hyperx token create --user superadmin --data ${shellWord(facts.dataDir)} --quiet)`,
      "",
    )
  }
  // The CLI's verbs read their own variables; on another port than 8080 they would not find the agent otherwise.
  lines.push(
    "The hyperx command (vm, tasks, events, …) reads:",
    `  export HYPERX_TOKEN=$TOKEN HYPERX_API_URL=${facts.origin}`,
    "",
  )
  // C6 "自动分配": without networks a VM has no NIC, and a first VM without an address puzzles its user.
  const body = JSON.stringify({
    imageId: seedIds.image,
    flavorId: seedIds.flavors.tiny,
    name: "my_first_vm",
    networks: "auto",
  })
  lines.push(
    "Create and boot a VM:",
    `  curl -X POST ${api}/vms -H "Authorization: Bearer ${facts.token ?? "$TOKEN"}" \\`,
    `       -H "Content-Type: application/json" -d '${body}'`,
    "",
    "Stop the agent with Ctrl-C (VMs keep running).",
  )
  return lines
}
