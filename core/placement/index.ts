export * from "./choose-host.ts"
export * from "./host-loads.ts"
