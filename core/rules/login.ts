import type { KeyPair } from "../model/extras.ts"
import type { LoginMethod } from "../model/vm.ts"
import type { VmContext } from "./context.ts"
import { passwordFormat } from "./inputs.ts"
import { notRecycled, runningOrStopped, stoppedOnly, vmBusy } from "./lifecycle.ts"
import { keyPairOwner, keyPairRequired } from "./resources.ts"
import { defineRule, type Rule } from "./rule.ts"

/** R11, R13: "如果的当前登录方式为“SSH密钥”，则不支持重置虚拟机密码". */
export const sshLoginNoPasswordReset: Rule<VmContext> = defineRule({
  name: "ssh-login-no-password-reset",
  features: ["R11", "R13"],
  kind: "conflict",
  message: {
    en: "The VM logs in by SSH key, so its password cannot be reset; switch the login method to password first",
    zh: "虚拟机当前登录方式为“SSH密钥”，不支持重置密码，请先切换为密码登录",
  },
  allows: ({ vm }) => vm.loginMethod !== "ssh-key",
})

/** R13 "仅Linux操作系统的虚拟机支持切换登录方式", X5 "SSH密钥支持且仅支持Linux操作系统". */
export const linuxOnly: Rule<VmContext> = defineRule({
  name: "linux-only",
  features: ["R13", "X5"],
  kind: "conflict",
  message: { en: "Only Linux VMs support this", zh: "仅Linux操作系统的虚拟机支持此操作" },
  allows: ({ osFamily }) => osFamily === "linux",
})

export interface ResetPasswordContext extends VmContext {
  /** null: a random password ("随机"). */
  readonly password: string | null
}

export interface LoginMethodContext extends VmContext {
  readonly target: LoginMethod
  /** Switching to SSH key: the chosen key pair. */
  readonly keyPair: KeyPair | null
  /** Switching to password: the new password ("设置新密码"). */
  readonly password: string | null
}

/** R13: the switch goes from password to SSH key or back; to the same method it is a mistake. */
export const loginMethodUnchanged: Rule<LoginMethodContext> = defineRule({
  name: "login-method-unchanged",
  features: ["R13"],
  kind: "invalid",
  message: ({ target }) => ({
    en: `The VM already logs in by ${target === "ssh-key" ? "SSH key" : "password"}`,
    zh: `虚拟机当前登录方式已是“${target === "ssh-key" ? "SSH密钥" : "密码登录"}”`,
  }),
  allows: ({ vm, target }) => vm.loginMethod !== target,
})

/** R13: "切换密码验证…设置新密码后点击“确定”". */
export const passwordRequired: Rule<LoginMethodContext> = defineRule({
  name: "password-required",
  features: ["R13"],
  kind: "invalid",
  message: { en: "Set a new password to switch to password login", zh: "切换为密码登录时，请设置新密码" },
  allows: ({ target, password }) => target !== "password" || password !== null,
})

export interface LoginRules {
  readonly "reset-password": ReadonlyArray<Rule<ResetPasswordContext>>
  readonly "login-method": ReadonlyArray<Rule<LoginMethodContext>>
}

export const loginRules: LoginRules = {
  "reset-password": [
    notRecycled,
    vmBusy,
    stoppedOnly,
    sshLoginNoPasswordReset,
    passwordFormat((c: ResetPasswordContext) => c.password),
  ],
  /** The manual states no power state; the guest must be settled to take the new credentials. */
  "login-method": [
    notRecycled,
    vmBusy,
    runningOrStopped,
    linuxOnly,
    loginMethodUnchanged,
    keyPairRequired((c: LoginMethodContext) => ({ loginMethod: c.target, keyPair: c.keyPair })),
    keyPairOwner((c: LoginMethodContext) => ({ keyPairs: c.keyPair ? [c.keyPair] : [], ownerId: c.vm.ownerId })),
    passwordRequired,
    passwordFormat((c: LoginMethodContext) => (c.target === "password" ? c.password : null)),
  ],
}
