// Recovers the signer of a Tron transaction with tronweb's own ecRecover over the txID.
// Input: one JSON argument {"txID","signature"}; output: the base58 address.
const { TronWeb, utils } = require("tronweb");
const input = JSON.parse(process.argv[2]);
const hexAddress = utils.crypto.ecRecover(input.txID, input.signature);
process.stdout.write(TronWeb.address.fromHex(hexAddress));
