// Copies the built YASGUI bundle and its licence into web/static/yasgui (run: npm ci && npm run build).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const from = "node_modules/@zazuko/yasgui";
const to = "../static/yasgui";
mkdirSync(to, { recursive: true });
for (const name of ["build/yasgui.min.js", "build/yasgui.min.css"]) {
  copyFileSync(`${from}/${name}`, `${to}/${name.split("/").pop()}`);
}
const meta = JSON.parse(readFileSync(`${from}/package.json`, "utf8"));
const { version, license } = meta;
const repository = typeof meta.repository === "string" ? meta.repository : meta.repository?.url ?? "";
// the npm package ships no LICENSE file: record what its package.json declares
writeFileSync(`${to}/NOTICE`, `@zazuko/yasgui ${version}, licence ${license} (package.json of the npm package), ` +
  `${meta.homepage ?? repository}\nbuilt files: yasgui.min.js, yasgui.min.css; refresh with web/frontend: npm ci && npm run build\n`);
console.log(`@zazuko/yasgui ${version} (${license}) copied to ${to}`);
