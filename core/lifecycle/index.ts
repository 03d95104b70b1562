export * from "./states.ts"
export * from "./table.ts"
export * from "./transition.ts"
