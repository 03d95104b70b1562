import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { readSheet } from "read-excel-file/node"
import { Store } from "../../core/store/ports.ts"
import { sampleRows } from "../../core/store/testing/sample-rows.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`XLSX export on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const download = async (query: string, lang?: string) => {
      const response = await agent.request("GET", `/api/v1/vms/export.xlsx?${query}`, {
        as: "admin",
        ...(lang === undefined ? {} : { lang }),
      })
      return { response, buffer: Buffer.from(await response.arrayBuffer()) }
    }
    const seedSuite = async () => {
      const suite = randomUUID().slice(0, 8)
      await agent.seedVm({ displayName: "exp_a", cpus: 2, memoryMiB: 512, state: "running", tags: { suite } })
      await agent.seedVm({ displayName: "exp_b", cpus: 4, memoryMiB: 1024, state: "stopped", tags: { suite } })
      await agent.seedVm({ displayName: "exp_c", cpus: 8, memoryMiB: 2048, state: "running", tags: { suite } })
      return suite
    }

    it("L6 the export takes the list's filters: a header row, the filtered rows in the chosen columns, a totals row", async () => {
      const suite = await seedSuite()
      const { response, buffer } = await download(
        `tag=suite:${suite}&state=running&sort=displayName&columns=displayName,state,cpus,memoryMiB,diskGiB`,
      )
      assert.equal(response.status, 200)
      assert.equal(
        response.headers.get("Content-Type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      )
      assert.match(
        response.headers.get("Content-Disposition") ?? "",
        /^attachment; filename="vms-\d{4}-\d{2}-\d{2}\.xlsx"/,
      )
      const rows = await readSheet(buffer)
      assert.deepEqual(rows, [
        ["Name", "Status", "CPUs", "Memory (MiB)", "Disk (GiB)"],
        ["exp_a", "running", 2, 512, 1],
        ["exp_c", "running", 8, 2048, 1],
        ["Total (2 VMs)", null, 10, 2560, 2],
      ])
    })

    it("L6 in Chinese: headers, state names and the totals label, in a sheet named 虚拟机", async () => {
      const suite = await seedSuite()
      const { buffer, response } = await download(
        `tag=suite:${suite}&sort=cpus&order=desc&columns=displayName,state,ownerName,cpus`,
        "zh-CN",
      )
      assert.match(response.headers.get("Content-Disposition") ?? "", /filename\*=UTF-8''%E8%99%9A%E6%8B%9F%E6%9C%BA-/)
      const rows = await readSheet(buffer, "虚拟机")
      assert.deepEqual(rows, [
        ["名称", "状态", "所有者", "CPU(核)"],
        ["exp_c", "运行", "owner", 8],
        ["exp_b", "关闭", "owner", 4],
        ["exp_a", "运行", "owner", 2],
        ["合计（3 台）", null, null, 14],
      ])
    })

    it("L6 an export longer than one read batch streams every row once, in the list's order, with the totals", async () => {
      const suite = randomUUID().slice(0, 8)
      const owner = agent.users.owner
      const count = 2_345
      const vms = Array.from({ length: count }, (_, i) =>
        sampleRows.vm({
          displayName: `big_${String(i).padStart(4, "0")}`,
          ownerId: owner.id,
          companyId: owner.companyId,
          departmentId: owner.departmentId,
          flavorId: agent.world.flavor.id,
          imageId: agent.world.image.id,
          cpus: 1 + (i % 3),
          memoryMiB: 256,
          createdBy: owner.id,
          tags: { suite },
        }),
      )
      // In inserts of 500: a statement takes at most 65,535 parameters.
      for (let start = 0; start < count; start += 500) {
        const bundles = vms.slice(start, start + 500).map((vm) => ({ vm, disks: [], nics: [] }))
        await agent.run(Store.use((s) => s.vms.insertBundles(bundles)))
      }
      const { response, buffer } = await download(
        `tag=suite:${suite}&sort=displayName&order=desc&columns=displayName,cpus`,
      )
      assert.equal(response.status, 200)
      const rows = await readSheet(buffer)
      assert.equal(rows.length, count + 2, "header, every VM, totals")
      const names = rows.slice(1, -1).map((row) => row[0])
      assert.deepEqual(
        names,
        vms
          .map((vm) => vm.displayName)
          .sort()
          .reverse(),
      )
      const cpus = vms.reduce((sum, vm) => sum + vm.cpus, 0)
      assert.deepEqual(rows.at(-1), [`Total (${count} VMs)`, cpus])
    })

    it("L6 columns shown by their own cells: tags, yes/no in the caller's language, dates", async () => {
      const suite = randomUUID().slice(0, 8)
      await agent.seedVm({
        displayName: "exp_cells",
        tags: { suite, env: "prod" },
        haEnabled: true,
        deletionProtected: false,
      })
      const { buffer } = await download(
        `tag=suite:${suite}&columns=tags,haEnabled,deletionProtected,recycledAt`,
        "zh-CN",
      )
      assert.deepEqual(await readSheet(buffer, "虚拟机"), [
        ["标签", "高可用", "删除保护", "删除时间"],
        [`env=prod; suite=${suite}`, "是", "否", null],
        ["合计（1 台）", null, null, null],
      ])
    })

    it("L6 without columns the export uses its default set, dates as dates", async () => {
      const suite = await seedSuite()
      const rows = await readSheet((await download(`tag=suite:${suite}&name=exp_a`)).buffer)
      assert.deepEqual(rows[0], [
        "Name",
        "Hostname",
        "Status",
        "Owner",
        "Flavor",
        "Host",
        "IP addresses",
        "CPUs",
        "Memory (MiB)",
        "Disk (GiB)",
        "Created",
      ])
      assert.equal(rows.length, 3)
      assert.ok(rows[1]?.[10] instanceof Date)
      const paged = await agent.call("GET", "/api/v1/vms/export.xlsx?limit=5", { as: "admin" })
      assert.equal(paged.status, 400, "the export takes no paging")
    })
  })
}
