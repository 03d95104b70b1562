import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { canonicalAddress, formatAddress, parseAddress } from "./address.ts"
import { cidrContains, defaultLayout, formatCidr, netmaskOf, parseCidr } from "./cidr.ts"
import {
  freeCount,
  freeCountNumber,
  judgeAddress,
  nextFree,
  type Pool,
  type PoolText,
  poolOf,
  poolProblems,
} from "./pool.ts"

const v4: PoolText = {
  cidr: "10.20.0.0/28",
  gateway: "10.20.0.1",
  rangeStart: "10.20.0.2",
  rangeEnd: "10.20.0.14",
  reserved: ["10.20.0.5"],
}
const pool = (text: PoolText = v4): Pool => {
  const out = poolOf(text)
  assert.ok(
    out,
    poolProblems(text)
      .map((problem) => problem.en)
      .join("; "),
  )
  return out
}

describe("IPAM addresses (C6)", () => {
  it("parses and prints IPv4 and IPv6 in canonical form", () => {
    assert.equal(canonicalAddress("192.168.1.10"), "192.168.1.10")
    assert.equal(canonicalAddress("FD00:0:0:0::1"), "fd00::1")
    assert.equal(canonicalAddress("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1")
    assert.equal(canonicalAddress("::"), "::")
    assert.equal(canonicalAddress("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8")
    assert.equal(formatAddress({ family: 4, value: 0xc0a80001n }), "192.168.0.1")
  })
  it("refuses what is not a plain address", () => {
    for (const bad of [
      "256.1.1.1",
      "1.2.3",
      "01.2.3.4",
      "1.2.3.4/24",
      "fe80::1%eth0",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "",
      "x",
    ]) {
      assert.equal(parseAddress(bad), undefined, bad)
    }
  })
})

describe("IPAM prefixes", () => {
  it("parses a network, refuses host bits and bad prefixes", () => {
    const cidr = parseCidr("10.20.0.0/28")
    assert.ok(cidr)
    assert.equal(formatCidr(cidr), "10.20.0.0/28")
    assert.equal(netmaskOf(cidr), "255.255.255.240")
    assert.equal(parseCidr("10.20.0.1/28"), undefined)
    assert.equal(parseCidr("10.20.0.0/33"), undefined)
    assert.equal(parseCidr("10.20.0.0"), undefined)
    assert.ok(parseCidr("fd00:1::/64"))
    assert.equal(parseCidr("fd00:1::1/64"), undefined)
  })
  it("knows what lies inside", () => {
    const cidr = parseCidr("10.20.0.0/28")
    assert.ok(cidr)
    assert.equal(cidrContains(cidr, parseAddress("10.20.0.15") ?? assert.fail()), true)
    assert.equal(cidrContains(cidr, parseAddress("10.20.0.16") ?? assert.fail()), false)
    assert.equal(cidrContains(cidr, parseAddress("::1") ?? assert.fail()), false)
  })
  it("lays out a new subnet: gateway first, no network or broadcast address handed out", () => {
    assert.deepEqual(defaultLayout(parseCidr("10.20.0.0/28") ?? assert.fail()), {
      gateway: "10.20.0.1",
      rangeStart: "10.20.0.2",
      rangeEnd: "10.20.0.14",
    })
    assert.deepEqual(defaultLayout(parseCidr("fd00::/120") ?? assert.fail()), {
      gateway: "fd00::1",
      rangeStart: "fd00::2",
      rangeEnd: "fd00::ff",
    })
    assert.equal(defaultLayout(parseCidr("10.0.0.0/31") ?? assert.fail()), undefined)
  })
})

describe("IPAM pools", () => {
  it("names every problem of a layout", () => {
    assert.deepEqual(poolProblems(v4), [])
    assert.deepEqual(poolProblems({ ...v4, gateway: "10.20.1.1", reserved: ["nope"] }), [
      { en: "gateway 10.20.1.1 is outside 10.20.0.0/28", zh: "网关 10.20.1.1 不在 10.20.0.0/28 内" },
      { en: "reserved address nope is not an IP address", zh: "保留地址 nope 不是IP地址" },
    ])
    assert.deepEqual(poolProblems({ ...v4, rangeStart: "10.20.0.9", rangeEnd: "10.20.0.3" }), [
      {
        en: "range start 10.20.0.9 lies after range end 10.20.0.3",
        zh: "地址范围起点 10.20.0.9 在终点 10.20.0.3 之后",
      },
    ])
    assert.deepEqual(poolProblems({ ...v4, cidr: "10.20.0.0/33" }), [
      { en: "10.20.0.0/33 is not a network in CIDR notation", zh: "10.20.0.0/33 不是CIDR格式的网段" },
    ])
    assert.equal(poolOf({ ...v4, cidr: "bad" }), undefined)
  })
  it("counts free addresses without the gateway, the reserved ones and the used ones", () => {
    // 13 in the range, one reserved; the gateway lies outside the range
    assert.equal(freeCount(pool(), []), 12n)
    assert.equal(freeCount(pool(), ["10.20.0.2", "10.20.0.2", "10.20.0.5", "10.20.1.9"]), 11n)
    // a range that includes the gateway still never hands it out
    assert.equal(freeCount(pool({ ...v4, rangeStart: "10.20.0.1" }), []), 12n)
    const big = pool({
      cidr: "fd00::/64",
      gateway: "fd00::1",
      rangeStart: "fd00::2",
      rangeEnd: "fd00::ffff:ffff:ffff:ffff",
      reserved: [],
    })
    assert.equal(freeCount(big, []), 2n ** 64n - 2n)
    assert.equal(freeCountNumber(big, []), Number.MAX_SAFE_INTEGER)
  })
  it("hands out the lowest free addresses, skipping gateway, reserved and used", () => {
    assert.deepEqual(nextFree(pool({ ...v4, rangeStart: "10.20.0.1" }), ["10.20.0.2", "10.20.0.4"], 3), [
      "10.20.0.3",
      "10.20.0.6",
      "10.20.0.7",
    ])
    assert.equal(nextFree(pool(), [], 13), undefined)
    assert.equal(nextFree(pool(), [], 12)?.length, 12)
    assert.deepEqual(
      nextFree(
        pool({
          cidr: "fd00::/120",
          gateway: "fd00::1",
          rangeStart: "fd00::2",
          rangeEnd: "fd00::ff",
          reserved: ["fd00::2"],
        }),
        ["fd00::3"],
        1,
      ),
      ["fd00::4"],
    )
  })
  it("judges a fixed address", () => {
    assert.equal(judgeAddress(pool(), "10.20.0.3", ["10.20.0.2"]), "free")
    assert.equal(judgeAddress(pool(), "10.20.0.2", ["10.20.0.2"]), "taken")
    assert.equal(judgeAddress(pool(), "10.20.0.5", []), "reserved")
    assert.equal(judgeAddress(pool(), "10.20.0.1", []), "outside")
    assert.equal(judgeAddress(pool(), "10.20.0.15", []), "outside")
    assert.equal(judgeAddress(pool(), "fd00::1", []), "invalid")
    assert.equal(judgeAddress(pool(), "10.20.0.300", []), "invalid")
  })
})
