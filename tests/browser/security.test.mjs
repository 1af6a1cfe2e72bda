// Issue 34's browser attacks, in Debian Chromium against the real daemon binary (the
// same attacks as raw requests: tests/tests/security.rs):
// * a page of another site (node's HTTP server on another loopback port, reached as
//   `localhost`: another site than the daemon's 127.0.0.1) fires what a malicious page
//   can without reading answers — a no-cors fetch to SaveOperator with the default PIN in
//   the body, an <img> on DeleteOperator?pin=, a text/plain form to MoneyPlacement — and
//   nothing changes;
// * DNS rebinding: Chromium resolves `rebind.attacker.example` to 127.0.0.1
//   (--host-resolver-rules, as a rebinding DNS answer would), so the attacker's page is
//   same-origin with the daemon; the daemon answers no page or API call under that name.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { ADMIN_PIN, api, launch, shot, startDaemon } from "./lib.mjs";

let daemon;
const DEMO = 6923;

before(async () => {
  daemon = await startDaemon();
});

after(async () => {
  if (daemon) { await daemon.stop(); }
});

/** The attacker's page: fires every request, then sets its title to "done". */
function evilPage(target, cashierId) {
  const operator = JSON.stringify({ pin: ADMIN_PIN, name: "Evil", access_pin: "6666", role: 1 });
  const placement = JSON.stringify({ pin: ADMIN_PIN, kkm_ofd_id: DEMO, operation: 1, sum: 1 });
  return `<!doctype html><html><head><meta charset="utf-8"><title>cute cats</title></head><body>
<h1>Cute cats</h1>
<form id="f" method="POST" action="${target}/MoneyPlacement" enctype="text/plain" target="sink">
  <input name='${placement.slice(0, -1)},"x":"' value='"}'>
</form>
<iframe name="sink" id="sink"></iframe>
<script>
  const fired = [
    fetch(${JSON.stringify(target + "/SaveOperator")}, { method: "POST", mode: "no-cors", body: ${JSON.stringify(operator)} })
      .catch(() => null),
    fetch(${JSON.stringify(target + "/MoneyPlacement")}, { method: "POST", mode: "no-cors", body: ${JSON.stringify(placement)} })
      .catch(() => null),
    new Promise((done) => {
      const img = new Image();
      img.onload = img.onerror = done;
      img.src = ${JSON.stringify(`${target}/DeleteOperator?id=${cashierId}&pin=${ADMIN_PIN}`)};
    }),
    new Promise((done) => {
      document.getElementById("sink").onload = done;
      document.getElementById("f").submit();
    }),
  ];
  Promise.all(fired).then(() => { document.title = "done"; });
</script></body></html>`;
}

test("a page of another site cannot drive the API with the default PIN", async () => {
  const saved = await api(daemon, "SaveOperator", { name: "Кассир", access_pin: "4321", role: 3 });
  assert.equal(saved.response_code, 0, JSON.stringify(saved));
  const operators = async () => (await api(daemon, "GetOperatorList")).response_data.map((o) => o.name).sort();
  const documents = async () => (await api(daemon, "GetTransactionList", { kkm_ofd_id: DEMO })).response_data.length;
  const cashierId = (await api(daemon, "GetOperatorList")).response_data.find((o) => o.name === "Кассир").id;
  const before = await operators();
  const docs = await documents();

  const server = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(evilPage(daemon.url, cashierId));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const evil = `http://localhost:${server.address().port}/`;
  const browser = await launch();
  const sent = [];
  const answered = [];
  try {
    const page = await browser.context.newPage();
    page.on("request", (r) => { if (r.url().startsWith(daemon.url)) { sent.push(new URL(r.url()).pathname); } });
    page.on("response", (r) => { if (r.url().startsWith(daemon.url)) { answered.push([new URL(r.url()).pathname, r.status()]); } });
    await page.goto(evil);
    await page.waitForFunction(() => document.title === "done");
    await shot(page, "security-cross-site-page");
  } finally {
    await browser.close();
    server.close();
  }
  assert.deepEqual(await operators(), before, "no administrator added, no operator deleted");
  assert.equal(await documents(), docs, "no cash moved");
  // Every attack was sent (the image's answer is not shown to the page: Chromium's
  // opaque-response blocking), and what Chromium shows of the answers is the refusal.
  for (const path of ["/SaveOperator", "/MoneyPlacement", "/DeleteOperator"]) {
    assert.ok(sent.includes(path), `${path} was sent: ${JSON.stringify(sent)}`);
  }
  assert.ok(answered.length >= 2 && answered.every(([, status]) => status === 403), JSON.stringify(answered));
});

test("a rebinding host gets no console and no API", async () => {
  const port = new URL(daemon.url).port;
  const browser = await launch(["--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1"]);
  try {
    const page = await browser.context.newPage();
    const rebound = `http://rebind.attacker.example:${port}`;
    const signin = await page.goto(`${rebound}/console/signin`);
    assert.equal(signin.status(), 403, "the console's sign-in is not served under the attacker's name");
    await shot(page, "security-rebinding-refused");
    assert.ok(!(await page.content()).includes("access_pin"), "no sign-in form");
    // The attacker's script, same-origin now, calls the API with the default PIN.
    const answer = await page.evaluate(async (url) => {
      const r = await fetch(url, {
        method: "POST",
        headers: { Authorization: "0000", "Content-Type": "application/json" },
        body: "{}",
      });
      return { status: r.status, body: await r.json() };
    }, `${rebound}/GetKKMList`);
    assert.equal(answer.status, 403);
    assert.equal(answer.body.response_code, 5);
    // The same daemon under its own address serves the console.
    const own = await page.goto(`${daemon.url}/console/signin`);
    assert.equal(own.status(), 200);
  } finally {
    await browser.close();
  }
});
