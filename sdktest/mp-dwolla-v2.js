// Dwolla's official Node client `dwolla-v2` (npm, pinned in package-lock.json), unchanged, against a
// real masspay server. Adapted from ../shared/docs/sdk-clients.md; run by sdk_test.go, or by hand:
//   DWOLLA_BASE_URL=http://127.0.0.1:8080 DWOLLA_KEY=k DWOLLA_SECRET=s DWOLLA_SOURCE_FS=<href> \
//   DWOLLA_DEST_FS_1=<href> DWOLLA_DEST_FS_2=<href> node mp-dwolla-v2.js
// The library only knows Dwolla's hosts; its instance fields apiUrl/tokenUrl are read at request
// time, so they are overwritten right after construction (no library patching).
"use strict";
const crypto = require("crypto");
const { Client } = require("dwolla-v2");

function env(name) {
  const v = process.env[name];
  if (!v) fail(`${name} is not set`);
  return v;
}
function fail(msg) {
  console.error("FAIL dwolla-v2:", msg);
  process.exit(1);
}
function check(cond, msg) {
  if (!cond) fail(msg);
}

const BASE = env("DWOLLA_BASE_URL").replace(/\/+$/, "");
const SRC = env("DWOLLA_SOURCE_FS");
const DST1 = env("DWOLLA_DEST_FS_1");
const DST2 = env("DWOLLA_DEST_FS_2");

const dwolla = new Client({ key: env("DWOLLA_KEY"), secret: env("DWOLLA_SECRET"), environment: "sandbox" });
dwolla.apiUrl = BASE;
dwolla.tokenUrl = `${BASE}/token`;

function batch(tag, status) {
  const body = {
    _links: { source: { href: SRC } },
    items: [
      { _links: { destination: { href: DST1 } }, amount: { currency: "USD", value: "1.00" }, metadata: { payee: "one" }, correlationId: `${tag}-1` },
      { _links: { destination: { href: DST2 } }, amount: { currency: "USD", value: "2.50" }, metadata: { payee: "two" }, correlationId: `${tag}-2` },
    ],
    metadata: { batch: tag },
    correlationId: tag,
  };
  if (status) body.status = status;
  return body;
}

async function create(tag, status) {
  const res = await dwolla.post("mass-payments", batch(tag, status), { "Idempotency-Key": crypto.randomUUID() });
  const location = res.headers.get("location");
  console.log(`create ${tag}:`, res.status, location);
  check(res.status === 201 && location, "expected 201 + Location");
  return location;
}

async function waitComplete(location) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const mp = await dwolla.get(location);
    if (mp.body.status === "complete") return mp.body;
    check(["pending", "processing"].includes(mp.body.status), `unexpected status ${mp.body.status}`);
    if (Date.now() > deadline) fail(`${location} not complete after 30s (status ${mp.body.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

(async () => {
  const tok = await dwolla.auth.client();
  console.log("token: expires_in", tok.expires_in);
  check(tok.access_token, "no access token");

  // A deferred batch, checked and then released.
  const tag = `v2-${Date.now()}`;
  const deferred = await create(`${tag}-deferred`, "deferred");
  const mp = await dwolla.get(deferred);
  console.log("get:", mp.status, mp.body.id, mp.body.status, JSON.stringify(mp.body.total));
  check(mp.body.status === "deferred", "expected deferred");
  check(mp.body.total && mp.body.total.value === "3.50", "expected total 3.50");
  const items = await dwolla.get(mp.body._links.items.href, { limit: 25, offset: 0 });
  check(items.body.total === 2 && items.body._embedded.items.length === 2, "expected 2 items");

  // A second deferred batch, cancelled.
  const doomed = await create(`${tag}-cancelled`, "deferred");
  const cancelled = await dwolla.post(doomed, { status: "cancelled" });
  console.log("cancel:", cancelled.status, cancelled.body.status);
  check(cancelled.status === 200 && cancelled.body.status === "cancelled", "expected cancelled");

  const released = await dwolla.post(deferred, { status: "pending" });
  console.log("release:", released.status, released.body.status);
  check(released.status === 200 && ["pending", "processing", "complete"].includes(released.body.status), "expected pending");

  // An immediate batch.
  const immediate = await create(`${tag}-immediate`);

  for (const loc of [deferred, immediate]) {
    const done = await waitComplete(loc);
    console.log("complete:", done.id);
    const ok = await dwolla.get(`${loc}/items`, { status: "success" });
    const failed = await dwolla.get(`${loc}/items`, { status: "failed" });
    console.log("items success:", ok.body.total, "failed:", failed.body.total);
    check(ok.body.total === 2 && ok.body._embedded.items.every((i) => i.status === "success"), "expected 2 successful items");
    check(failed.body.total === 0, "expected no failed items");
  }

  // The account's mass payments, found by following links from the root as a client would.
  const root = await dwolla.get("/");
  const account = await dwolla.get(root.body._links.account.href);
  const list = await dwolla.get(account.body._links["mass-payments"].href, { limit: 200 });
  const ids = list.body._embedded["mass-payments"].map((m) => m.id);
  console.log("account mass payments:", list.body.total);
  for (const loc of [deferred, doomed, immediate]) check(ids.includes(loc.split("/").pop()), `${loc} not listed`);

  // Errors reject with the status and the parsed Dwolla error body.
  try {
    await dwolla.get(`mass-payments/${crypto.randomUUID()}`);
    fail("expected a 404");
  } catch (err) {
    console.log("404 surfaces as:", err.constructor.name, err.status, err.body && err.body.code);
    check(err instanceof Error && err.status === 404 && err.body && err.body.code === "NotFound", `wrong error: ${err.message}`);
  }
  console.log("OK dwolla-v2");
})().catch((err) => {
  console.error("ERROR dwolla-v2:", err.status || "", err.message);
  process.exit(1);
});
