// Bundles src/main.ts (with @openchat/sdk from ../typescript-sdk, resolved against that
// package's node_modules) and copies index.html into dist/. `--serve` also serves dist/ on
// 127.0.0.1:8081 for `make run`'s web listener (start it with
// OPENCHAT_WEB_ALLOWED_ORIGINS=http://127.0.0.1:8081).
import { copyFileSync, mkdirSync } from "node:fs";
import * as esbuild from "esbuild";

const options = {
  entryPoints: ["src/main.ts"],
  bundle: true,
  format: "esm",
  target: "es2022",
  outfile: "dist/app.js",
  sourcemap: true,
  logLevel: "warning",
};
mkdirSync("dist", { recursive: true });
copyFileSync("src/index.html", "dist/index.html");
if (process.argv.includes("--serve")) {
  const context = await esbuild.context(options);
  const { port } = await context.serve({ servedir: "dist", host: "127.0.0.1", port: 8081 });
  console.log(`OpenChat web demo on http://127.0.0.1:${port}`);
} else {
  await esbuild.build(options);
}
