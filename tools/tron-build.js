// Builds, signs and checks a TRC-20 transfer offline with tronweb, as an independent
// reference for the tests. Input: one JSON argument
//   {"privateKey","token","to","amount","refBlockBytes","refBlockHash","expiration","timestamp","feeLimit"}
// Output: {"raw_data_hex","txID","signature","owner","recovered"}.
const { TronWeb } = require("tronweb");

async function main() {
  const input = JSON.parse(process.argv[2]);
  // A closed loopback port: everything below must work offline.
  const tronWeb = new TronWeb({ fullHost: "http://127.0.0.1:9", privateKey: input.privateKey });
  const owner = tronWeb.address.fromPrivateKey(input.privateKey);
  const { transaction } = await tronWeb.transactionBuilder.triggerSmartContract(
    input.token,
    "transfer(address,uint256)",
    {
      feeLimit: input.feeLimit,
      txLocal: true,
      blockHeader: {
        ref_block_bytes: input.refBlockBytes,
        ref_block_hash: input.refBlockHash,
        expiration: input.expiration,
        timestamp: input.timestamp,
      },
    },
    [
      { type: "address", value: input.to },
      { type: "uint256", value: input.amount },
    ],
    owner,
  );
  const signed = await tronWeb.trx.sign(transaction, input.privateKey);
  const recovered = tronWeb.trx.ecRecover(signed);
  process.stdout.write(
    JSON.stringify({ raw_data_hex: signed.raw_data_hex, txID: signed.txID, signature: signed.signature[0], owner, recovered }),
  );
}

main().catch((error) => {
  console.error(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
