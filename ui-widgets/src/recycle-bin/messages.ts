import type { Widen } from "../i18n/en.ts"
import type { Locale } from "../i18n/index.ts"

/** <hx-recycle-bin>'s text (G3, B4), kept beside the element; the Chinese is the manual's (回收站, 恢复, 彻底删除). */
const en = {
  label: "Recycle bin",
  name: "Name",
  hostname: "Hostname",
  owner: "Owner",
  size: "CPUs / memory",
  deleted: "Deleted",
  keptNote:
    "Deleted VMs stay here, holding their quota, until an administrator purges them; nothing is purged by itself.",
  empty: "The recycle bin is empty",
  restore: "Restore",
  restoreTitle: (name: string) => `Restore ${name}: it comes back stopped`,
  restored: (name: string) => `${name} is back, stopped`,
  purge: "Purge",
  purgeTitle: (name: string) => `Purge ${name} for good`,
  confirmPurge: (name: string) => `Purge ${name} for good? This cannot be undone.`,
  alsoDisks: "Also delete its data disks (they are kept, detached, otherwise)",
  purged: (name: string) => `${name} was purged`,
  cancel: "Cancel",
  checking: "Asking what is allowed…",
  previous: "Previous",
  next: "Next",
  range: (from: number, to: number, total: number) => `${from}–${to} of ${total}`,
  refresh: "Refresh",
}

export type RecycleBinMessages = Widen<typeof en>

const zhCN: RecycleBinMessages = {
  label: "回收站",
  name: "名称",
  hostname: "主机名",
  owner: "所有者",
  size: "CPU / 内存",
  deleted: "删除时间",
  keptNote: "已删除的虚拟机保留在回收站中并继续占用配额，直到管理员彻底删除；系统不会自动清除。",
  empty: "回收站为空",
  restore: "恢复",
  restoreTitle: (name: string) => `恢复 ${name}：恢复后处于关闭状态`,
  restored: (name: string) => `${name} 已恢复，处于关闭状态`,
  purge: "彻底删除",
  purgeTitle: (name: string) => `彻底删除 ${name}`,
  confirmPurge: (name: string) => `彻底删除 ${name}？此操作无法撤销。`,
  alsoDisks: "同时删除其数据盘（否则数据盘将被卸载并保留）",
  purged: (name: string) => `${name} 已彻底删除`,
  cancel: "取消",
  checking: "正在查询可执行的操作…",
  previous: "上一页",
  next: "下一页",
  range: (from: number, to: number, total: number) => `第 ${from}–${to} 条，共 ${total} 条`,
  refresh: "刷新",
}

export const recycleBinMessages = (locale: Locale): RecycleBinMessages => (locale === "zh-CN" ? zhCN : en)
