export { createFlavor, type FlavorInput, listFlavors, setFlavorRetired, setImageRetired } from "./catalog.ts"
export { createCompany, listCompanies } from "./companies.ts"
export {
  createDepartment,
  type DepartmentInput,
  type DepartmentPatch,
  type DepartmentView,
  editDepartment,
  getDepartment,
  listDepartments,
  setQuota,
} from "./departments.ts"
export { issueTokenFor, listTokens, revokeToken, type TokenView } from "./tokens.ts"
export { createUser, listUsers, type UserInput } from "./users.ts"
