// Compiles ClubToken.sol with solc-js and prints the creation bytecode (hex, no 0x).
const fs = require("fs");
const path = require("path");
const solc = require("solc");
const source = fs.readFileSync(path.join(__dirname, "ClubToken.sol"), "utf8");
const input = {
  language: "Solidity",
  sources: { "ClubToken.sol": { content: source } },
  settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { "*": { "*": ["evm.bytecode.object"] } } },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join("\n"));
  process.exit(1);
}
process.stdout.write(output.contracts["ClubToken.sol"].ClubToken.evm.bytecode.object);
