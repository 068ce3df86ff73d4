/**
 * `npm run size`: build the SPA (or reuse the build of the same sources) and
 * print what the first page and each lazily loaded route download; exits 1
 * when the first page is over its budget (scripts/web/size.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureWebBuild } from "./build";
import { formatReport, sizeReport } from "./size";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const build = await ensureWebBuild(root, (line) => console.log(line));
console.log(`Build ${build.hash} (${path.relative(root, build.dir)}${build.built ? "" : ", reused"})\n`);
const { text, budgetOk } = formatReport(sizeReport(build.dir));
console.log(text);
if (!budgetOk) {
  console.error("\nThe first page is over its JavaScript budget: load the new code lazily (web/src/routes.tsx) or raise the budget on purpose.");
  process.exitCode = 1;
}
