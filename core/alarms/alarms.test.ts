import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import { SmtpNotifier } from "../../plugins/smtp/notifier.ts"
import { startTestRelay, type TestRelay } from "../../plugins/smtp/testing.ts"
import { useCore } from "../../test-support/core.ts"
import { RuleViolation } from "../errors.ts"
import { at, insertSamples } from "../metrics/testing.ts"
import { seedVm } from "../operations/testing/world.ts"
import { Store } from "../store/ports.ts"
import { sampleRows, storeBackends } from "../store/testing.ts"
import { evaluateAlarms } from "./evaluate.ts"
import { alarmHistory, createAlarm, listAlarms, updateAlarm } from "./manage.ts"

const minutes = (iso: string, n: number) => new Date(Date.parse(iso) + n * 60_000).toISOString()

for (const backend of storeBackends.filter((b) => b.name === "postgres")) {
  describe(`alarms on ${backend.name}, mailing through a real SMTP server`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    let relay: TestRelay | undefined
    before(async () => {
      relay = await startTestRelay()
    })
    after(() => relay?.close())
    const owner = () => core.world.actors.owner
    /** One evaluation round at `when`, mailing through `url` (the live relay by default). */
    const evaluate = (when: string, url = relay?.url ?? "") =>
      core.run(
        at(when, evaluateAlarms()).pipe(
          Effect.provide(SmtpNotifier.layer({ url, from: "hyperx <alarms@hv.test>", ignoreTLS: true })),
        ),
      )
    const clearRules = () =>
      core.run(
        Store.use((s) =>
          Effect.flatMap(s.alarmRules.list(), (rules) => Effect.forEach(rules, (r) => s.alarmRules.remove(r.id))),
        ),
      )

    it("R1 M2 CPU above 50% for 2 min mails the chosen user once; it stays on without mail; recovery mails once", async () => {
      assert.ok(relay)
      await clearRules()
      const vm = await core.run(seedVm(core.world, { monitoringInstalled: true, displayName: "web_01" }))
      const rule = await core.run(
        createAlarm(owner(), vm.id, {
          metric: "cpu",
          thresholdPercent: 50,
          durationMinutes: 2,
          recipientUserIds: [core.world.users.admin.id],
        }),
      )
      const t0 = "2026-12-06T10:00:00Z"
      const heard = await core.record()
      const alarmEvents = () =>
        heard.events.flatMap((e) =>
          e._tag === "vm-alarm" ? [[e.kind, e.ruleId, e.vmId, e.metric, e.thresholdPercent, e.ownerId]] : [],
        )
      // A minute over the threshold decides nothing yet: the two minutes are not covered.
      await core.run(insertSamples(vm.id, t0, 30, [90, 91, 92]))
      assert.deepEqual(await evaluate(minutes(t0, 1)), [])
      await core.run(insertSamples(vm.id, minutes(t0, 1.5), 30, [93, 94, 95]))
      const fired = await evaluate(minutes(t0, 2.5))
      assert.deepEqual(
        fired.map((e) => [e.kind, e.ruleId, e.delivered, e.recipients]),
        [["fired", rule.id, true, ["admin@example.test"]]],
      )
      const [mail] = await relay.waitFor(1)
      assert.deepEqual(mail?.to, ["admin@example.test"])
      assert.match(mail?.mail.subject ?? "", /告警.*web_01.*CPU.*Alarm: CPU above 50%/)
      assert.equal((await core.run(listAlarms(owner(), vm.id)))[0]?.firing, true)
      // M2: the change is an event for whoever sees the VM (an open monitoring tab reads the alarms again)
      await core.eventually(async () => (alarmEvents().length === 1 ? true : undefined))
      assert.deepEqual(alarmEvents(), [["fired", rule.id, vm.id, "cpu", 50, vm.ownerId]])
      // Still over: no second mail.
      await core.run(insertSamples(vm.id, minutes(t0, 3), 30, [96, 97]))
      assert.deepEqual(await evaluate(minutes(t0, 3.5)), [])
      // The burner stops: a mixed window holds; two minutes below recover, once.
      await core.run(insertSamples(vm.id, minutes(t0, 4), 30, [10, 9, 8, 7, 6]))
      assert.deepEqual(await evaluate(minutes(t0, 5)), [])
      const recovered = await evaluate(minutes(t0, 6))
      assert.deepEqual(
        recovered.map((e) => e.kind),
        ["recovered"],
      )
      assert.deepEqual(await evaluate(minutes(t0, 6.5)), [])
      await core.eventually(async () => (alarmEvents().length === 2 ? true : undefined))
      assert.deepEqual(
        alarmEvents().map(([kind]) => kind),
        ["fired", "recovered"],
        "one event per change, none while it stays on",
      )
      heard.stop()
      const mails = await relay.waitFor(2)
      assert.equal(mails.length, 2)
      assert.match(mails[1]?.mail.subject ?? "", /恢复.*Recovered/)
      const history = await core.run(alarmHistory(owner(), vm.id))
      assert.deepEqual(
        history.map((e) => e.kind),
        ["recovered", "fired"],
      )
      assert.equal((await core.run(listAlarms(owner(), vm.id)))[0]?.firing, false)
    })

    it("R1 a relay that is down records nothing; the next round mails and records the firing", async () => {
      assert.ok(relay)
      await clearRules()
      const before = relay.received.length
      const vm = await core.run(seedVm(core.world, { monitoringInstalled: true }))
      await core.run(
        createAlarm(owner(), vm.id, {
          metric: "memory",
          thresholdPercent: 40,
          durationMinutes: 1,
          recipientUserIds: [core.world.users.owner.id],
        }),
      )
      // insertSamples uses 64 of 128 MiB: 50% memory.
      await core.run(insertSamples(vm.id, "2026-12-06T12:00:00Z", 30, [1, 1, 1, 1]))
      const down = await startTestRelay()
      await down.close()
      assert.deepEqual(await evaluate("2026-12-06T12:01:30Z", down.url), [])
      assert.deepEqual(await core.run(alarmHistory(owner(), vm.id)), [])
      const fired = await evaluate("2026-12-06T12:01:30Z")
      assert.deepEqual(
        fired.map((e) => [e.kind, e.metric, e.valuePercent]),
        [["fired", "memory", 50]],
      )
      await relay.waitFor(before + 1)
    })

    it("R1 refusals name their rule: a recipient of another company, a VM without monitoring; nothing is stored", async () => {
      const vm = await core.run(seedVm(core.world, { monitoringInstalled: true }))
      const stranger = await core.run(
        Store.use((s) =>
          Effect.gen(function* () {
            const company = yield* s.companies.insert(sampleRows.company())
            const department = yield* s.departments.insert(sampleRows.department({ companyId: company.id }))
            return yield* s.users.insert(sampleRows.user({ companyId: company.id, departmentId: department.id }))
          }),
        ),
      )
      const input = {
        metric: "cpu",
        thresholdPercent: 80,
        durationMinutes: 5,
        recipientUserIds: [stranger.id],
      } as const
      const refused = await core.run(Effect.flip(createAlarm(owner(), vm.id, input)))
      assert.ok(refused instanceof RuleViolation)
      assert.equal(refused.rule, "alarm-recipients-in-company")
      const bare = await core.run(seedVm(core.world, { monitoringInstalled: false }))
      const noMonitoring = await core.run(
        Effect.flip(createAlarm(owner(), bare.id, { ...input, recipientUserIds: [core.world.users.owner.id] })),
      )
      assert.ok(noMonitoring instanceof RuleViolation)
      assert.equal(noMonitoring.rule, "monitoring-installed")
      assert.deepEqual(await core.run(listAlarms(owner(), vm.id)), [])
      // A patch to a stranger is refused the same way and leaves the rule as it was.
      const rule = await core.run(
        createAlarm(owner(), vm.id, { ...input, recipientUserIds: [core.world.users.owner.id] }),
      )
      const patch = await core.run(
        Effect.flip(updateAlarm(owner(), vm.id, rule.id, { recipientUserIds: [stranger.id] })),
      )
      assert.ok(patch instanceof RuleViolation)
      assert.deepEqual((await core.run(listAlarms(owner(), vm.id)))[0]?.recipientUserIds, [core.world.users.owner.id])
      const outsider = await core.run(Effect.flip(listAlarms(core.world.actors.outsider, vm.id)))
      assert.equal(outsider._tag, "NotFound")
    })
  })
}
