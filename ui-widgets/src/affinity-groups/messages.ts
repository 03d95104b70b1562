import type { Widen } from "../i18n/en.ts"
import type { Locale } from "../i18n/index.ts"

/** <hx-affinity-groups>' text (R10), kept beside the element. */
const en = {
  label: "Affinity groups",
  name: "Name",
  policy: "Policy",
  created: "Created",
  empty: "The department has no affinity group",
  newName: "Group name",
  create: "Create",
  delete: "Delete",
  confirmDelete: (name: string) => `Delete ${name}? Its VMs leave it.`,
  cancel: "Cancel",
  policies: { affinity: "Affinity (same host)", "anti-affinity": "Anti-affinity (different hosts)" },
  nameRule: "A name is 1 to 64 characters",
}

export type AffinityMessages = Widen<typeof en>

const zhCN: AffinityMessages = {
  label: "亲和组",
  name: "名称",
  policy: "策略",
  created: "创建时间",
  empty: "部门还没有亲和组",
  newName: "亲和组名称",
  create: "创建",
  delete: "删除",
  confirmDelete: (name: string) => `删除 ${name}？组内虚拟机将退出该组。`,
  cancel: "取消",
  policies: { affinity: "亲和（同一主机）", "anti-affinity": "反亲和（不同主机）" },
  nameRule: "名称为1到64个字符",
}

export const affinityMessages = (locale: Locale): AffinityMessages => (locale === "zh-CN" ? zhCN : en)
