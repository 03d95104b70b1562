export * from "./desired.ts"
export * from "./host-network.ts"
export * from "./sync.ts"
export { vniOf } from "./vni.ts"
