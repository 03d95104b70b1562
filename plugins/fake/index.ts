/**
 * hyperx's reference driver: an in-memory hypervisor with fault injection (`faults`) and a handle on what happens
 * inside guests and outside the platform (`simulate`). Running domains serve real console sockets (a VNC server's RFB
 * greeting, a serial console that replays a boot line). For core tests, crash-recovery tests (with `stateFile`), the
 * conformance suite's reference run and scale simulation; never evidence that a feature works on a real hypervisor.
 */
export { fakeConformance, fakeConformanceFactory, fakeGuestProbe } from "./conformance.ts"
export {
  type FakeDriver,
  type FakeDriverOptions,
  type FullDriver,
  fakeDriverFactory,
  makeFakeDriver,
} from "./driver.ts"
export type { Faults } from "./faults.ts"
export { sampleVmSpec } from "./fixtures.ts"
export { type FakeOperation, fakeOperations } from "./operations.ts"
export type { Simulate } from "./simulate.ts"
export type { GuestLoad, VolumeRecord } from "./state.ts"
