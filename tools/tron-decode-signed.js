// Decodes a serialized signed protocol.Transaction (the body of wallet/broadcasthex) with
// tronweb's own protobuf classes, as an independent decoder for the tests.
// Input: one JSON argument {"hex"}; output: {"raw_data_hex","txID","signatures":[hex…],"recovered"}.
const path = require("path");
const { TronWeb, utils } = require("tronweb");
const proto = require(path.join(__dirname, "node_modules/tronweb/lib/commonjs/protocol/core/Tron_pb.cjs"));

const input = JSON.parse(process.argv[2]);
const tx = proto.Transaction.deserializeBinary(Uint8Array.from(Buffer.from(input.hex, "hex")));
const rawHex = Buffer.from(tx.getRawData().serializeBinary()).toString("hex");
const txID = utils.transaction.txPbToTxID(tx).replace(/^0x/, "");
const signatures = tx.getSignatureList_asU8().map((s) => Buffer.from(s).toString("hex"));
const recovered = signatures.length ? TronWeb.address.fromHex(utils.crypto.ecRecover(txID, signatures[0])) : null;
process.stdout.write(JSON.stringify({ raw_data_hex: rawHex, txID, signatures, recovered }));
