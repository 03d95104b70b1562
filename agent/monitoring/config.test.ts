import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Duration } from "effect"
import { resolveMonitoringConfig } from "./config.ts"

describe("monitoring settings from the environment", () => {
  it("M1 defaults: 30 s, raw a day, averages 30 days, no /metrics, no SMTP", () => {
    const config = resolveMonitoringConfig({})
    assert.equal(Duration.toSeconds(config.policy.interval), 30)
    assert.equal(Duration.toHours(config.policy.rawRetention), 24)
    assert.equal(Duration.toDays(config.policy.rolledRetention), 30)
    assert.deepEqual([config.metricsToken, config.metricsAddress, config.smtp], [undefined, undefined, undefined])
  })

  it("M1 R1 the operator's values", () => {
    const config = resolveMonitoringConfig({
      HYPERX_METRICS_INTERVAL_SECONDS: "10",
      HYPERX_METRICS_RAW_HOURS: "48",
      HYPERX_METRICS_KEEP_DAYS: "90",
      HYPERX_METRICS_TOKEN: "a-scraper-token-of-32-characters",
      HYPERX_METRICS_ADDRESS: "[::1]:9464",
      HYPERX_SMTP_URL: "smtps://alarms:pw@relay.example.com:465",
      HYPERX_SMTP_FROM: "ops <ops@example.com>",
    })
    assert.equal(Duration.toSeconds(config.policy.interval), 10)
    assert.equal(Duration.toHours(config.policy.rawRetention), 48)
    assert.equal(Duration.toDays(config.policy.rolledRetention), 90)
    assert.deepEqual(config.metricsAddress, { host: "::1", port: 9464 })
    assert.deepEqual(config.smtp, { url: "smtps://alarms:pw@relay.example.com:465", from: "ops <ops@example.com>" })
  })

  it("M1 R1 bad values are refused with the variable's name", () => {
    for (const [name, value] of [
      ["HYPERX_METRICS_INTERVAL_SECONDS", "0"],
      ["HYPERX_METRICS_KEEP_DAYS", "ten"],
      ["HYPERX_METRICS_TOKEN", "short"],
      ["HYPERX_METRICS_ADDRESS", "9464"],
      ["HYPERX_SMTP_URL", "relay.example.com"],
    ] as const) {
      assert.throws(() => resolveMonitoringConfig({ [name]: value }), new RegExp(name), name)
    }
  })
})
