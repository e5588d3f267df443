// Builds, signs and serializes a TRC-20 transfer with tronweb against a node, as an
// independent reference for the Tron HTTP client's tests: tronweb itself asks the node
// (`fullHost`, the tests' FakeTronNode test double) for the reference block
// (`wallet/getblock`), derives ref_block_bytes / ref_block_hash, the timestamp and the 60 s
// expiration from it, and serializes the signed protocol.Transaction with its own protobuf.
// Input: one JSON argument {"fullHost","privateKey","token","to","amount","feeLimit"}
// Output: {"raw_data_hex","txID","signature","ref_block_bytes","ref_block_hash","timestamp","expiration","signed_hex"}.
const path = require("path");
const { TronWeb, utils } = require("tronweb");
// The package's export map hides its protobuf classes; tronweb loads this same file.
require(path.join(__dirname, "node_modules/tronweb/lib/commonjs/protocol/core/Tron_pb.cjs"));

async function main() {
  const input = JSON.parse(process.argv[2]);
  const tronWeb = new TronWeb({ fullHost: input.fullHost, privateKey: input.privateKey });
  const owner = tronWeb.address.fromPrivateKey(input.privateKey);
  const { transaction } = await tronWeb.transactionBuilder.triggerSmartContract(
    input.token,
    "transfer(address,uint256)",
    { feeLimit: input.feeLimit, txLocal: true },
    [
      { type: "address", value: input.to },
      { type: "uint256", value: input.amount },
    ],
    owner,
  );
  const signed = await tronWeb.trx.sign(transaction, input.privateKey);
  const pb = utils.transaction.txJsonToPb(signed);
  pb.setSignatureList(signed.signature.map((s) => Uint8Array.from(Buffer.from(s, "hex"))));
  const raw = signed.raw_data;
  process.stdout.write(
    JSON.stringify({
      raw_data_hex: signed.raw_data_hex,
      txID: signed.txID,
      signature: signed.signature[0],
      ref_block_bytes: raw.ref_block_bytes,
      ref_block_hash: raw.ref_block_hash,
      timestamp: raw.timestamp,
      expiration: raw.expiration,
      signed_hex: Buffer.from(pb.serializeBinary()).toString("hex"),
    }),
  );
}

main().catch((error) => {
  console.error(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
