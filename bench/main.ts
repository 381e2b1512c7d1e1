/** `pnpm bench <name> [args]`: runs bench/<name>.ts, which reads its own args (`--json` for machine output). */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
// every bench/<name>.ts but this dispatcher and the flag parser they share
const available = fs.readdirSync(here).filter((f) => f.endsWith(".ts") && f !== "main.ts" && f !== "args.ts").map((f) => f.slice(0, -3))
const name = process.argv[2]
if (!name || !available.includes(name)) {
  console.error(`usage: pnpm bench <${available.join("|")}> [--json]`)
  process.exit(2)
}
process.argv.splice(2, 1)
await import(path.join(here, `${name}.ts`))
