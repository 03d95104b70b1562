import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { ConfigError } from "./config.ts"
import { eventRetentionMs } from "./event-retention.ts"

describe("#21 G4 HYPERX_EVENT_RETENTION_MINUTES", () => {
  it("whole minutes from 1 to a week; unset: the default; anything else is refused by name", () => {
    assert.equal(eventRetentionMs({}), undefined)
    assert.equal(eventRetentionMs({ HYPERX_EVENT_RETENTION_MINUTES: "60" }), 3_600_000)
    for (const bad of ["0", "1.5", "10081", "soon"]) {
      assert.throws(() => eventRetentionMs({ HYPERX_EVENT_RETENTION_MINUTES: bad }), ConfigError, bad)
    }
  })
})
