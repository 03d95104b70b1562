import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { apiNouns } from "./api-args.ts"
import { parseCommand } from "./args.ts"
import { helpTexts } from "./help.ts"

describe("hyperx command line", () => {
  it("--help everywhere: no arguments, help, -h, help <command>, and <command> --help print that command's text", () => {
    for (const argv of [[], ["help"], ["--help"], ["-h"]]) {
      assert.deepEqual(parseCommand(argv), { kind: "help", text: helpTexts.main })
    }
    for (const topic of Object.keys(helpTexts).filter((t) => t !== "main")) {
      const words = topic.split(" ")
      assert.deepEqual(parseCommand([...words, "--help"]), { kind: "help", text: helpTexts[topic as "agent"] }, topic)
      assert.deepEqual(parseCommand([...words, "-h"]), { kind: "help", text: helpTexts[topic as "agent"] }, topic)
      assert.deepEqual(parseCommand(["help", ...words]), { kind: "help", text: helpTexts[topic as "agent"] }, topic)
      assert.match(helpTexts[topic as "agent"], /^Usage: hyperx /, topic)
    }
  })

  it("#20 #21 the main help names every verb that talks to the API: flavor, image and quota too", () => {
    for (const noun of apiNouns) assert.match(helpTexts.main, new RegExp(`^  ${noun} `, "m"), noun)
  })

  it("agent takes its flags; unknown flags and stray words are errors with the command's help", () => {
    assert.deepEqual(
      parseCommand(["agent", "--port", "9000", "--host", "0.0.0.0", "--data", "d", "--driver", "fake", "--cors", "*"]),
      { kind: "agent", flags: { host: "0.0.0.0", port: "9000", data: "d", cors: "*", driver: "fake" } },
    )
    assert.deepEqual(parseCommand(["agent", "--database-url", "postgres://x/y"]), {
      kind: "agent",
      flags: { databaseUrl: "postgres://x/y" },
    })
    // #16: the host's zone, overcommit and the cluster's heartbeat timeouts
    const cluster = ["--zone", "z1", "--cpu-overcommit", "2", "--memory-overcommit", "1.5"]
    assert.deepEqual(parseCommand(["agent", ...cluster, "--host-suspect-after", "8", "--host-down-after", "15"]), {
      kind: "agent",
      flags: { zone: "z1", cpuOvercommit: "2", memoryOvercommit: "1.5", hostSuspectAfter: "8", hostDownAfter: "15" },
    })
    const unknown = parseCommand(["agent", "--colour"])
    assert.equal(unknown.kind, "error")
    assert.equal(unknown.kind === "error" && unknown.help, helpTexts.agent)
    assert.match(unknown.kind === "error" ? unknown.message : "", /--colour/)
    assert.equal(parseCommand(["agent", "now"]).kind, "error")
  })

  it("token create: --role and --department (the user named after them), or --user; --expires-days is a number", () => {
    assert.deepEqual(parseCommand(["token", "create", "--role", "admin", "--department", "ops"]), {
      kind: "admin",
      output: "text",
      request: { verb: "token.create", role: "admin", department: "ops" },
      flags: {},
    })
    assert.deepEqual(
      parseCommand(["token", "create", "--user", "alice", "--expires-days", "30", "--name", "ci", "--data", "/d"]),
      {
        kind: "admin",
        output: "text",
        request: { verb: "token.create", user: "alice", name: "ci", expiresDays: 30 },
        flags: { data: "/d" },
      },
    )
    assert.deepEqual(parseCommand(["token", "create", "--user", "alice", "--ttl", "900"]), {
      kind: "admin",
      output: "text",
      request: { verb: "token.create", user: "alice", ttlSeconds: 900 },
      flags: {},
    })
    const ttl = parseCommand(["token", "create", "--user", "alice", "--ttl", "15m"])
    assert.match(ttl.kind === "error" ? ttl.message : "", /--ttl takes a whole number of seconds/)
    const bad = parseCommand(["token", "create", "--user", "alice", "--expires-days", "soon"])
    assert.equal(bad.kind, "error")
    assert.match(bad.kind === "error" ? bad.message : "", /whole number of days/)
  })

  it("the other admin verbs: their required options, positionals, and the store options", () => {
    assert.deepEqual(parseCommand(["token", "revoke", "t1"]), {
      kind: "admin",
      output: "text",
      request: { verb: "token.revoke", id: "t1" },
      flags: {},
    })
    assert.equal(parseCommand(["token", "revoke"]).kind, "error")
    assert.equal(parseCommand(["token", "list", "extra"]).kind, "error")
    assert.deepEqual(
      parseCommand(["user", "create", "--name", "bob", "--role", "user", "--department", "ops", "--database-url", "u"]),
      {
        kind: "admin",
        output: "text",
        request: { verb: "user.create", name: "bob", role: "user", department: "ops" },
        flags: { databaseUrl: "u" },
      },
    )
    const missing = parseCommand(["user", "create", "--name", "bob"])
    assert.deepEqual(missing.kind === "error" && missing.message, "--role is required")
    assert.deepEqual(parseCommand(["org", "list"]), {
      kind: "admin",
      output: "text",
      request: { verb: "org.list" },
      flags: {},
    })
    assert.deepEqual(parseCommand(["department", "create", "--name", "qa", "--reclaim-policy", "stop"]), {
      kind: "admin",
      output: "text",
      request: { verb: "department.create", name: "qa", reclaimPolicy: "stop" },
      flags: {},
    })
    assert.equal(parseCommand(["company", "create", "--name", "Acme"]).kind, "error")
  })

  it("unknown commands are errors with the main help", () => {
    const unknown = parseCommand(["frobnicate"])
    assert.deepEqual(unknown, { kind: "error", message: 'Unknown command "frobnicate"', help: helpTexts.main })
    const halfKnown = parseCommand(["token", "mint"])
    assert.deepEqual(halfKnown, { kind: "error", message: '"token mint" is not a command', help: helpTexts.main })
  })
})

describe("hyperx usage errors (#21)", () => {
  it("a bad --role is a usage error naming the roles, not a schema report", () => {
    for (const argv of [
      ["token", "create", "--role", "boss", "--department", "demo"],
      ["user", "create", "--name", "x", "--role", "root", "--department", "demo"],
    ]) {
      const bad = parseCommand(argv)
      assert.equal(bad.kind, "error", argv.join(" "))
      assert.equal(
        bad.kind === "error" && bad.message,
        `--role is user, admin, superadmin, not "${argv[argv.indexOf("--role") + 1]}"`,
      )
    }
  })

  it("--json on listings and --quiet on token create choose the output", () => {
    const listed = parseCommand(["token", "list", "--json"])
    assert.equal(listed.kind === "admin" && listed.output, "json")
    const quiet = parseCommand(["token", "create", "--user", "superadmin", "--quiet", "--data", "/d"])
    assert.equal(quiet.kind === "admin" && quiet.output, "quiet")
    assert.deepEqual(quiet.kind === "admin" && quiet.flags, { data: "/d" })
  })
})
