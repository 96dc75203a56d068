// Verifies a webhook as a provider would, with code that did not sign it: `v1` with the npm
// registry's `standardwebhooks` package, `v1a` with Node's own ed25519 (`crypto.verify`).
// Reads {scheme, key, headers, body} as JSON on stdin; prints "ok" or the reason, exit 0 / 1.
import { createPublicKey, verify } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Webhook } = require("standardwebhooks");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { scheme, key, headers, body } = JSON.parse(input);

try {
  if (scheme === "v1") {
    new Webhook(key).verify(body, headers); // throws on a bad signature or an old timestamp
  } else {
    const raw = Buffer.from(key.replace(/^whpk_/, ""), "base64");
    const publicKey = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
      format: "jwk",
    });
    const content = Buffer.from(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`);
    const good = headers["webhook-signature"]
      .split(" ")
      .filter((s) => s.startsWith("v1a,"))
      .some((s) => verify(null, content, publicKey, Buffer.from(s.slice(4), "base64")));
    if (!good) throw new Error("no v1a signature verifies with this key");
  }
  console.log("ok");
} catch (error) {
  console.log(String(error && error.message ? error.message : error));
  process.exit(1);
}
