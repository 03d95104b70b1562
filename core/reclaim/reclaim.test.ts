import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import { SmtpNotifier } from "../../plugins/smtp/notifier.ts"
import { startTestRelay, type TestRelay } from "../../plugins/smtp/testing.ts"
import { useCore } from "../../test-support/core.ts"
import type { ReclaimPolicy } from "../model/org.ts"
import { power } from "../operations/power.ts"
import { seedVm } from "../operations/testing/world.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { reclaimRound } from "./run.ts"

const day = 86_400_000
const shift = (iso: string, days: number) => new Date(Date.parse(iso) + days * day)

for (const backend of storeBackends.filter((b) => b.name === "postgres")) {
  describe(`R5 reclaim dates on ${backend.name}, mailing through a real SMTP server`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    let relay: TestRelay | undefined
    before(async () => {
      relay = await startTestRelay()
    })
    after(() => relay?.close())

    /** One reclaim round at `when` (an injected clock); yields this VM's steps only (other tests' VMs are older). */
    const round = async (when: Date, vmId: string) => {
      const done = await core.run(
        reclaimRound(when).pipe(
          Effect.provide(
            SmtpNotifier.layer({ url: relay?.url ?? "", from: "hyperx <reclaim@hv.test>", ignoreTLS: true }),
          ),
        ),
      )
      return done.filter((notice) => notice.vmId === vmId)
    }
    const setPolicy = (policy: ReclaimPolicy, reclaimNoticeDays = 3) =>
      core.run(
        Store.use((s) =>
          s.departments.update(core.world.departments[0].id, { reclaimPolicy: policy, reclaimNoticeDays }),
        ),
      )
    const vmNamed = async (displayName: string, reclaimAt: Date | null, running = true) => {
      const vm = await core.run(seedVm(core.world, { displayName, reclaimAt }))
      if (running) await core.complete(power(core.world.actors.owner, vm.id, "start"))
      return vm
    }
    /** The mails about one VM once `count` of them have arrived (the relay receives them asynchronously). */
    const mailsAbout = (displayName: string, count: number) =>
      core.eventually(async () => {
        const mails = (relay?.received ?? []).filter((m) => (m.mail.subject ?? "").includes(displayName))
        return mails.length >= count ? mails : undefined
      })
    const getVm = (id: string) => core.run(Store.use((s) => s.vms.get(id)))
    const tasksOf = (vmId: string) => core.run(Store.use((s) => s.tasks.list({ vmId })))

    it("R5 a reminder to the owner inside the notice window, once; at the date the policy 'stop' stops the VM as a sub-task, then the reminder after", async () => {
      await setPolicy("stop", 3)
      const date = "2027-01-10T08:00:00Z"
      const vm = await vmNamed("reclaim_stop", new Date(date))
      assert.deepEqual(await round(shift(date, -4), vm.id), [], "four days before: outside the 3-day window")
      const [notice] = await round(shift(date, -2), vm.id)
      assert.equal(notice?.step, "notice")
      assert.deepEqual(notice?.recipients, ["owner@example.test"])
      assert.equal(notice?.delivered, true)
      assert.deepEqual(await round(shift(date, -1), vm.id), [], "the reminder goes out once per date")
      const [reminder] = await mailsAbout("reclaim_stop", 1)
      assert.deepEqual(reminder?.to, ["owner@example.test"])
      assert.match(reminder?.mail.subject ?? "", /回收提醒.*Reclaim reminder/)
      assert.equal((await getVm(vm.id)).state, "running", "a reminder changes nothing")

      const [expired] = await round(shift(date, 1 / 1440), vm.id)
      assert.equal(expired?.step, "expired")
      assert.equal(expired?.outcome, "stopped")
      assert.equal((await getVm(vm.id)).state, "stopped")
      assert.equal(
        await core.run(core.fake.driver.inspect(vm.hostname).pipe(Effect.map((d) => d.power))),
        "stopped",
        "the hypervisor has stopped it",
      )
      const tasks = await tasksOf(vm.id)
      const parent = tasks.find((t) => t.operation === "vm.reclaim")
      assert.equal(parent?.state, "succeeded")
      assert.equal(parent?.userId, "system")
      const stop = tasks.find((t) => t.operation === "vm.stop" && t.parentId === parent?.id)
      assert.equal(stop?.state, "succeeded", "the stop is a task of its own under the reclaim task")
      assert.equal(tasks.find((t) => t.operation === "vm.reclaim-notice")?.state, "succeeded")
      const after = await mailsAbout("reclaim_stop", 2)
      assert.match(after[1]?.mail.subject ?? "", /回收通知.*Reclaimed/)
      assert.match(after[1]?.mail.text ?? "", /has been stopped/)
      assert.deepEqual(await round(shift(date, 2), vm.id), [], "the expiry step runs once")
    })

    it("R5 policy 'recycle' moves the VM to the recycle bin; it is not looked at again", async () => {
      await setPolicy("recycle", 1)
      const date = "2027-02-01T00:00:00Z"
      const vm = await vmNamed("reclaim_recycle", new Date(date))
      const [expired] = await round(shift(date, 0.5), vm.id)
      assert.equal(expired?.outcome, "recycled")
      const recycled = await getVm(vm.id)
      assert.notEqual(recycled.recycledAt, null)
      assert.equal(recycled.state, "stopped")
      const tasks = await tasksOf(vm.id)
      const parent = tasks.find((t) => t.operation === "vm.reclaim")
      assert.equal(tasks.find((t) => t.operation === "vm.delete")?.parentId, parent?.id)
      assert.deepEqual(await round(shift(date, 3), vm.id), [])
    })

    it("R5 policy 'notify-only' leaves the VM running and says so; a new date starts the reminders again", async () => {
      await setPolicy("notify-only", 2)
      const date = "2027-03-01T00:00:00Z"
      const vm = await vmNamed("reclaim_notify", new Date(date))
      const [expired] = await round(shift(date, 0.1), vm.id)
      assert.equal(expired?.step, "expired", "no late reminder when the window passed unseen: the expiry mail says it")
      assert.equal(expired?.outcome, "kept")
      assert.equal((await getVm(vm.id)).state, "running")
      const later = "2027-04-01T00:00:00Z"
      await core.run(Store.use((s) => s.vms.update(vm.id, { reclaimAt: new Date(later) })))
      const [notice] = await round(shift(later, -1), vm.id)
      assert.equal(notice?.step, "notice")
      const [afterMail, reminder] = await mailsAbout("reclaim_notify", 2)
      assert.match(afterMail?.mail.text ?? "", /left as it is/)
      assert.match(reminder?.mail.subject ?? "", /回收提醒/)
    })

    it("R5 'off' (no date) is never reclaimed", async () => {
      await setPolicy("destroy", 3)
      const vm = await vmNamed("reclaim_off", null, false)
      assert.deepEqual(await round(new Date("2099-01-01T00:00:00Z"), vm.id), [])
      assert.equal((await getVm(vm.id)).recycledAt, null)
    })

    it("R5 a policy the VM's rules refuse (deletion protection) is recorded as refused, once, and mailed", async () => {
      await setPolicy("recycle", 1)
      const date = "2027-05-01T00:00:00Z"
      const vm = await vmNamed("reclaim_protected", new Date(date), false)
      await core.run(Store.use((s) => s.vms.update(vm.id, { deletionProtected: true })))
      const [expired] = await round(shift(date, 0.2), vm.id)
      assert.equal(expired?.outcome, "refused")
      assert.equal((await getVm(vm.id)).recycledAt, null)
      const parent = (await tasksOf(vm.id)).find((t) => t.operation === "vm.reclaim")
      assert.equal(parent?.state, "failed")
      assert.deepEqual(await round(shift(date, 1), vm.id), [], "not retried every round")
      const [mail] = await mailsAbout("reclaim_protected", 1)
      assert.match(mail?.mail.text ?? "", /could not be applied/)
    })
  })
}
