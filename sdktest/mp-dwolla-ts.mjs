// Dwolla's Speakeasy-generated TypeScript SDK `dwolla` (npm, pinned in package-lock.json),
// unchanged, against a real masspay server. Adapted from ../shared/docs/sdk-clients.md; run by
// sdk_test.go, or by hand with the same variables as mp-dwolla-v2.js. serverURL is a documented
// SDK option; the client-credentials hook resolves "/token" against it.
import crypto from "node:crypto";
import { Dwolla } from "dwolla";
import { GetMassPaymentNotFoundDwollaV1HalJSONError } from "dwolla/models/errors";

function env(name) {
  const v = process.env[name];
  if (!v) fail(`${name} is not set`);
  return v;
}
function fail(msg) {
  console.error("FAIL dwolla (TS SDK):", msg);
  process.exit(1);
}
function check(cond, msg) {
  if (!cond) fail(msg);
}

const BASE = env("DWOLLA_BASE_URL").replace(/\/+$/, "");
const KEY = env("DWOLLA_KEY");
const SECRET = env("DWOLLA_SECRET");
const SRC = env("DWOLLA_SOURCE_FS");
const DST1 = env("DWOLLA_DEST_FS_1");
const DST2 = env("DWOLLA_DEST_FS_2");

const dwolla = new Dwolla({ serverURL: BASE, security: { clientID: KEY, clientSecret: SECRET } });

async function create(tag, status) {
  const requestBody = {
    links: { source: { href: SRC } },
    items: [
      { links: { destination: { href: DST1 } }, amount: { currency: "USD", value: "1.00" }, correlationId: `${tag}-1` },
      {
        links: { destination: { href: DST2 } }, amount: { currency: "USD", value: "2.50" }, correlationId: `${tag}-2`,
        processingChannel: { destination: "instant" },
      },
    ],
    correlationId: tag,
  };
  if (status) requestBody.status = status;
  const created = await dwolla.massPayments.create({ idempotencyKey: crypto.randomUUID(), requestBody });
  const location = created?.headers?.location?.[0];
  console.log(`create ${tag}:`, location);
  check(location, "expected a Location header");
  return location.split("/").pop();
}

async function waitComplete(id) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const mp = await dwolla.massPayments.get({ id });
    if (mp.status === "complete") return mp;
    check(["pending", "processing"].includes(mp.status), `unexpected status ${mp.status}`);
    if (Date.now() > deadline) fail(`${id} not complete after 30s (status ${mp.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

try {
  const tok = await dwolla.tokens.create(
    { basicAuth: "Basic " + Buffer.from(`${KEY}:${SECRET}`).toString("base64") },
    { grantType: "client_credentials" },
  );
  console.log("token:", tok.tokenType, tok.expiresIn);
  check(tok.accessToken, "no access token");

  // A deferred batch, checked and then released.
  const tag = `ts-${Date.now()}`;
  const deferred = await create(`${tag}-deferred`, "deferred");
  const mp = await dwolla.massPayments.get({ id: deferred });
  console.log("get:", mp.id, mp.status, JSON.stringify(mp.total), mp.created?.toISOString());
  check(mp.status === "deferred", "expected deferred");
  check(mp.total?.value === "3.50", "expected total 3.50");
  const items = await dwolla.massPayments.items.list({ id: deferred, limit: "25", offset: "0" });
  check(items.total === 2 && items.embedded?.items?.length === 2, "expected 2 items");

  // A second deferred batch, cancelled.
  const doomed = await create(`${tag}-cancelled`, "deferred");
  const cancelled = await dwolla.massPayments.update({ id: doomed, requestBody: { status: "cancelled" } });
  console.log("cancel:", cancelled.status);
  check(cancelled.status === "cancelled", "expected cancelled");

  const released = await dwolla.massPayments.update({ id: deferred, requestBody: { status: "pending" } });
  console.log("release:", released.status);
  check(["pending", "processing", "complete"].includes(released.status), "expected pending");

  // An immediate batch.
  const immediate = await create(`${tag}-immediate`);

  for (const id of [deferred, immediate]) {
    await waitComplete(id);
    const ok = await dwolla.massPayments.items.list({ id, status: "success" });
    const failed = await dwolla.massPayments.items.list({ id, status: "failed" });
    console.log("complete:", id, "items success:", ok.total, "failed:", failed.total);
    check(ok.total === 2 && ok.embedded.items.every((i) => i.status === "success"), "expected 2 successful items");
    check(failed.total === 0, "expected no failed items");
    // Each item's transfer parses under the SDK's Transfer model (closed enums included).
    for (const item of ok.embedded.items) {
      const tr = await dwolla.transfers.get({ id: item.links.transfer.href.split("/").pop() });
      check(tr.amount?.value === item.amount?.value, `transfer ${tr.id} amount ${tr.amount?.value}`);
    }
  }

  // The account's mass payments; the account id comes from the root's links.
  const root = await dwolla.root.get();
  const accountId = root.links.account.href.split("/").pop();
  const list = await dwolla.accounts.massPayments.list({ id: accountId, limit: 200 });
  const ids = list.embedded.massPayments.map((m) => m.id);
  console.log("account mass payments:", list.total);
  for (const id of [deferred, doomed, immediate]) check(ids.includes(id), `${id} not listed`);

  // A 404 surfaces as the SDK's typed error for this operation.
  try {
    await dwolla.massPayments.get({ id: crypto.randomUUID() });
    fail("expected a 404");
  } catch (err) {
    console.log("404 surfaces as:", err.constructor.name, err.statusCode, err.code);
    check(err instanceof GetMassPaymentNotFoundDwollaV1HalJSONError && err.statusCode === 404 && err.code === "NotFound", `wrong error: ${err.constructor.name} ${err.message}`);
  }
  console.log("OK dwolla (TS SDK)");
} catch (err) {
  console.error("ERROR dwolla (TS SDK):", err.constructor?.name, err.statusCode ?? "", err.message);
  process.exit(1);
}
