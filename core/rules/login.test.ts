import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Vm } from "../model/vm.ts"
import {
  type LoginMethodContext,
  linuxOnly,
  loginMethodUnchanged,
  loginRules,
  passwordRequired,
  type ResetPasswordContext,
  sshLoginNoPasswordReset,
} from "./login.ts"
import { assertAllows, assertRefuses, refusedBy, sampleKeyPair, sampleVm, sampleVmContext } from "./testing.ts"

const reset = (vm: Partial<Vm>, password: string | null = null): ResetPasswordContext => ({
  ...sampleVmContext({ vm: sampleVm(vm) }),
  password,
})
const switchTo = (overrides: Partial<LoginMethodContext>): LoginMethodContext => ({
  ...sampleVmContext(),
  target: "ssh-key",
  keyPair: sampleKeyPair(),
  password: null,
  ...overrides,
})

describe("login rules", () => {
  it("R11 ssh-login-no-password-reset: allows a VM with password login", () =>
    assertAllows(sshLoginNoPasswordReset, reset({})))
  it("R11 R13 ssh-login-no-password-reset: refuses a VM with SSH key login", () =>
    assertRefuses(sshLoginNoPasswordReset, reset({ loginMethod: "ssh-key" })))

  it("R13 X5 linux-only: allows a Linux VM", () => assertAllows(linuxOnly, sampleVmContext()))
  it("R13 X5 linux-only: refuses a Windows VM", () =>
    assertRefuses(linuxOnly, sampleVmContext({ osFamily: "windows" })))

  it("R13 login-method-unchanged: allows password → SSH key", () => assertAllows(loginMethodUnchanged, switchTo({})))
  it("R13 login-method-unchanged: refuses password → password", () =>
    assertRefuses(loginMethodUnchanged, switchTo({ target: "password", password: "Secr3t!x" })))

  it("R13 password-required: allows SSH key → password with a new password", () =>
    assertAllows(passwordRequired, switchTo({ target: "password", password: "Secr3t!x" })))
  it("R13 password-required: refuses SSH key → password without one", () =>
    assertRefuses(passwordRequired, switchTo({ target: "password", password: null })))
})

describe("login rule lists", () => {
  it("R11 reset-password: stopped, password login, random or a valid password", () => {
    assert.equal(refusedBy(loginRules["reset-password"], reset({ state: "stopped" })), undefined)
    assert.equal(refusedBy(loginRules["reset-password"], reset({ state: "stopped" }, "Abc123!")), undefined)
    assert.equal(refusedBy(loginRules["reset-password"], reset({ state: "running" })), "stopped-only")
    assert.equal(refusedBy(loginRules["reset-password"], reset({ state: "stopped" }, "abc")), "password-format")
    assert.equal(
      refusedBy(loginRules["reset-password"], reset({ state: "stopped", loginMethod: "ssh-key" })),
      "ssh-login-no-password-reset",
    )
  })
  it("R13 login-method: Linux only, needs a key pair of the owner", () => {
    assert.equal(refusedBy(loginRules["login-method"], switchTo({})), undefined)
    assert.equal(refusedBy(loginRules["login-method"], switchTo({ osFamily: "windows" })), "linux-only")
    assert.equal(refusedBy(loginRules["login-method"], switchTo({ keyPair: null })), "key-pair-required")
    assert.equal(
      refusedBy(loginRules["login-method"], switchTo({ keyPair: sampleKeyPair({ userId: "user-9" }) })),
      "key-pair-owner",
    )
  })
  it("R13 login-method: SSH key → password takes a valid password", () => {
    const fromKey = { vm: sampleVm({ loginMethod: "ssh-key" }), target: "password", keyPair: null } as const
    assert.equal(refusedBy(loginRules["login-method"], switchTo({ ...fromKey, password: "Secr3t!x" })), undefined)
    assert.equal(refusedBy(loginRules["login-method"], switchTo({ ...fromKey, password: "secret" })), "password-format")
  })
})
