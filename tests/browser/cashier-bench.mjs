// The page's part of "scanner burst → line in the basket" (issue 19), with a
// 10,000-product catalogue: the real daemon (demo mode, debug or release binary as
// KKM_DAEMON says), headless Debian Chromium, the cashier screen at 1366×768. Each
// round types an EAN into the scanner field and presses Enter, as a keyboard-mode
// scanner does, and measures in the page from the Enter to the new line on screen
// (the request, the server, the fragment swapped and laid out). Baseline in the same
// run: a bare fetch of the API's Ping from the same page (the floor of a round trip).
// Not a test (its name does not end in .test.mjs): run `node cashier-bench.mjs [rounds]`.
import { api, launch, signInAdmin, startDaemon } from "./lib.mjs";

const DEMO = 6923;
const PRODUCTS = 10000;
const rounds = Number(process.argv[2] || 100);

function ean(n) {
  const body = `487${String(n).padStart(9, "0")}`;
  let sum = 0;
  for (let i = 0; i < 12; i += 1) { sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3); }
  return body + ((10 - (sum % 10)) % 10);
}

function stats(label, times, base) {
  times.sort((a, b) => a - b);
  const p = (q) => times[Math.min(times.length - 1, Math.round((times.length - 1) * q))];
  const ratio = base ? ` = ${(p(0.5) / base).toFixed(1)}× Ping` : "";
  console.log(`${label}: n=${times.length} p50=${p(0.5).toFixed(2)} ms p99=${p(0.99).toFixed(2)} ms max=${times[times.length - 1].toFixed(2)} ms${ratio}`);
  return p(0.5);
}

const daemon = await startDaemon();
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1366, height: 768 });
  await signInAdmin(page, daemon);
  let csv = "";
  for (let n = 1; n <= PRODUCTS; n += 1) { csv += `${n},${1 + (n % 5)},${ean(n)},Товар №${n},${100 + (n % 97) * 35}.50,${n % 3},12\n`; }
  await page.goto(`${daemon.url}/console/kkm/${DEMO}/catalogue`);
  await page.getByLabel("CSV-файл").setInputFiles({ name: "c.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Импортировать" }).click();
  await page.waitForURL(/done=imported/);
  await page.goto(`${daemon.url}/console/cashier/${DEMO}`);
  await page.waitForFunction(() => document.activeElement?.id === "scan");
  const ping = [];
  for (let i = 0; i < rounds; i += 1) {
    ping.push(await page.evaluate(async () => {
      const t = performance.now();
      await (await fetch("/Ping", { method: "POST", headers: { Authorization: "0000" }, body: "{}" })).text();
      return performance.now() - t;
    }));
  }
  const base = stats("baseline: fetch of API Ping from the page", ping);
  const times = [];
  for (let i = 0; i < rounds; i += 1) {
    if (i % 20 === 0) {
      await page.keyboard.press("Escape");
      await page.evaluate(() => document.querySelector("form[data-till=clear] button").click());
      await page.waitForFunction(() => document.getElementById("till")?.dataset.lines === "0");
    }
    const code = ean(1 + ((i * 7919) % PRODUCTS));
    const before = Number(await page.evaluate(() => document.getElementById("till").dataset.lines));
    await page.keyboard.type(code);
    // Start the clock at the Enter, in the page; stop it when the line is on screen.
    await page.evaluate(() => {
      window.benchDone = new Promise((resolve) => {
        const start = performance.now();
        const n = Number(document.getElementById("till").dataset.lines);
        new MutationObserver((_, observer) => {
          const till = document.getElementById("till");
          if (till && Number(till.dataset.lines) === n + 1) {
            observer.disconnect();
            requestAnimationFrame(() => resolve(performance.now() - start));
          }
        }).observe(document.querySelector(".till-main"), { childList: true, subtree: true });
        document.getElementById("scan-form").requestSubmit();
      });
    });
    times.push(await page.evaluate(() => window.benchDone));
    const after = Number(await page.evaluate(() => document.getElementById("till").dataset.lines));
    if (after !== before + 1) { throw new Error(`scan ${code} added no line`); }
  }
  stats(`page: EAN burst → line on screen (${PRODUCTS} products, basket of 1–20 lines)`, times, base);
  const r = await api(daemon, "Ping");
  if (r.response_code !== 0) { throw new Error("daemon unwell"); }
} finally {
  await browser.close();
  await daemon.stop();
}
