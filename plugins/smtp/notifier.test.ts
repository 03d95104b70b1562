import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import { Notifier } from "../../core/notify/notifier.ts"
import { SmtpNotifier } from "./notifier.ts"
import { startTestRelay, type TestRelay } from "./testing.ts"

const sendWith = (url: string, to: ReadonlyArray<string>) =>
  Effect.runPromise(
    Notifier.use((n) =>
      n.send({ to, subject: "告警: web_01 CPU 超过 50%", text: "CPU 91% for 5 minutes", html: "<p>CPU 91%</p>" }),
    ).pipe(
      Effect.provide(SmtpNotifier.layer({ url, from: "hyperx <alarms@hv.test>", ignoreTLS: true })),
      Effect.result,
    ),
  )

describe("SMTP notifier (nodemailer) against a real SMTP server", () => {
  let relay: TestRelay | undefined
  before(async () => {
    relay = await startTestRelay()
  })
  after(() => relay?.close())

  it("R1 a message arrives with its envelope, subject (Chinese), text and HTML", async () => {
    assert.ok(relay)
    const result = await sendWith(relay.url, ["ops@example.test", "lead@example.test"])
    assert.equal(result._tag, "Success")
    const [got] = await relay.waitFor(1)
    assert.ok(got)
    assert.equal(got.from, "alarms@hv.test")
    assert.deepEqual(got.to, ["ops@example.test", "lead@example.test"])
    assert.equal(got.mail.subject, "告警: web_01 CPU 超过 50%")
    assert.equal(got.mail.text?.trim(), "CPU 91% for 5 minutes")
    assert.match(String(got.mail.html), /CPU 91%/)
  })

  it("R1 a relay that is not there is a NotifyError that may be retried", async () => {
    const down = await startTestRelay()
    await down.close()
    const result = await sendWith(down.url, ["ops@example.test"])
    assert.equal(result._tag, "Failure")
    if (result._tag === "Failure") {
      assert.equal(result.failure._tag, "NotifyError")
      assert.equal(result.failure.retryable, true)
    }
  })
})
