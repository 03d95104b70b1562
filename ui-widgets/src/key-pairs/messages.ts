import type { Widen } from "../i18n/en.ts"
import type { Locale } from "../i18n/index.ts"

/** <hx-key-pairs>' text (R13, X5), kept beside the element. */
const en = {
  label: "SSH key pairs",
  name: "Name",
  fingerprint: "Fingerprint",
  created: "Created",
  empty: "You have no key pair yet",
  newName: "Key pair name",
  publicKey: "Public key to import (optional)",
  publicKeyNote: "Leave it empty to make a new key pair: its private key is shown once, then never again.",
  create: "Create",
  importKey: "Import",
  delete: "Delete",
  confirmDelete: (name: string) =>
    `Delete ${name}? VMs that hold it keep the key in their guests until their next start.`,
  cancel: "Cancel",
  privateKeyTitle: (name: string) => `Private key of ${name}`,
  privateKeyNote: "Shown this once: download or copy it now. The platform does not keep it.",
  download: "Download",
  done: "Done",
  nameRule: "A name is 1 to 64 characters",
}

export type KeyPairMessages = Widen<typeof en>

const zhCN: KeyPairMessages = {
  label: "SSH密钥对",
  name: "名称",
  fingerprint: "指纹",
  created: "创建时间",
  empty: "您还没有密钥对",
  newName: "密钥对名称",
  publicKey: "导入的公钥（可选）",
  publicKeyNote: "留空则创建新的密钥对：私钥仅显示这一次，之后无法再次查看。",
  create: "创建",
  importKey: "导入",
  delete: "删除",
  confirmDelete: (name: string) => `删除 ${name}？使用该密钥的虚拟机在下次启动前，其系统内仍保留该密钥。`,
  cancel: "取消",
  privateKeyTitle: (name: string) => `${name} 的私钥`,
  privateKeyNote: "仅显示这一次：请立即下载或复制，平台不保存私钥。",
  download: "下载",
  done: "完成",
  nameRule: "名称为1到64个字符",
}

export const keyPairMessages = (locale: Locale): KeyPairMessages => (locale === "zh-CN" ? zhCN : en)
