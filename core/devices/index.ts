export * from "./inventory.ts"
export * from "./inventory-api.ts"
export * from "./refresh.ts"
export * from "./source.ts"
