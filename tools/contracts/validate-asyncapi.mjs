// Validates an AsyncAPI document with the AsyncAPI project's own parser (offline): prints every
// diagnostic and exits 1 when any is an error.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const source = readFileSync(process.argv[2], "utf8");
const { diagnostics } = await new Parser().parse(source);
const severities = ["error", "warning", "info", "hint"];
for (const d of diagnostics) {
  console.log(`${severities[d.severity]} ${d.code} ${d.message} at ${JSON.stringify(d.path)}`);
}
process.exit(diagnostics.some((d) => d.severity === 0) ? 1 : 0);
