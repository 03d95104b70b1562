import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { parseCommand } from "../cli/args.ts"
import { readyLines } from "./banner.ts"

const facts = { origin: "http://127.0.0.1:8080", demoBuilt: true, added: [], recovered: 0, externalDatabase: false }

describe("the ready banner (#21)", () => {
  it("the first start prints the token as a line to paste: export TOKEN=…", () => {
    const lines = readyLines({ ...facts, token: "hx_abc", dataDir: "/var/lib/hyperx" })
    assert.ok(lines.includes("  export TOKEN=hx_abc"), lines.join("\n"))
  })

  it("later starts suggest a token command that opens the agent's own data folder (even with spaces)", () => {
    const lines = readyLines({ ...facts, token: undefined, dataDir: "/srv/my data/hx" })
    const suggestion = lines.find((line) => line.includes("hyperx token create"))
    assert.ok(suggestion)
    const command = /\$\(npx hyperx (.*)\)$/.exec(suggestion)?.[1] ?? ""
    // The shell's word splitting of the suggested command, for the words it uses (plain and single-quoted).
    const words = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "")
    const parsed = parseCommand(words)
    assert.equal(parsed.kind, "admin", JSON.stringify(parsed))
    assert.deepEqual(parsed.kind === "admin" && [parsed.flags.data, parsed.output], ["/srv/my data/hx", "quiet"])
  })

  it("#16 an agent on DATABASE_URL says the token command needs that database too", () => {
    const lines = readyLines({ ...facts, token: undefined, dataDir: "/srv/hx", externalDatabase: true })
    assert.ok(
      lines.some((l) => l.includes("in a shell with this agent's DATABASE_URL")),
      lines.join("\n"),
    )
    const embedded = readyLines({ ...facts, token: undefined, dataDir: "/srv/hx" })
    assert.ok(!embedded.some((l) => l.includes("DATABASE_URL")), embedded.join("\n"))
  })

  it("#21 both starts say how the hyperx command finds this agent and its token, on whatever port it listens", () => {
    for (const token of ["hx_abc", undefined]) {
      const lines = readyLines({ ...facts, origin: "http://127.0.0.1:8391", token, dataDir: "/srv/hx" })
      const line = lines.find((l) => l.includes("HYPERX_API_URL")) ?? ""
      assert.match(
        line,
        /^ {2}export HYPERX_TOKEN=\$TOKEN HYPERX_API_URL=http:\/\/127\.0\.0\.1:8391$/,
        lines.join("\n"),
      )
      assert.ok(
        lines.some((l) => /^ {2}export TOKEN=/.test(l)),
        "the line it refers to, $TOKEN, comes first",
      )
    }
  })

  it("C6 the curl that boots a first VM asks for a network, so the VM gets an address (the API's default is none)", () => {
    const lines = readyLines({ ...facts, token: "hx_abc", dataDir: "/srv/hx" })
    const body = /-d '(\{.*\})'$/.exec(lines.find((l) => l.includes("-d '")) ?? "")?.[1] ?? "{}"
    assert.deepEqual(JSON.parse(body), {
      imageId: "tiny-linux",
      flavorId: "tiny",
      name: "my_first_vm",
      networks: "auto",
    })
  })
})
