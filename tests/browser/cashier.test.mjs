// The cashier screen in a real browser (headless Debian Chromium, playwright-core)
// against the real daemon binary in demo mode and its OFD emulator, over real sockets,
// at 1366×768. The cashier uses the keyboard only: the scanner's bursts are typed into
// the focused field and end with Enter, as a USB scanner in keyboard mode types them.
// The scenarios run in order on one daemon. Screenshots: target/console-screenshots/till-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessibilityProblems, api, control, launch, shot, signInAdmin, startDaemon } from "./lib.mjs";

const DEMO = 6923;
const CASHIER_PIN = "4321";
const BREAD = "4870000000012";
// A tobacco pack's marking code as a keyboard-mode scanner types it: the GS dropped.
const MARK = "0104870204390513215ZxKq9aBcDeFg93AbCd";
// The same mark with the GS typed as <GS> by another scanner set-up.
const MARK_AGAIN = "0104870204390513215ZxKq9aBcDeFg<GS>93AbCd";
// A product the administrator flags as marked in the console: scanned by its EAN it
// waits for the marking code of each pack.
const BEER = "4870000000043";
const BEER_MARKS = ["0104870000000043217QwErTyUiOpAs93Zx12", "0104870000000043218AsDfGhJkLzXc93Qw34"];
const CATALOGUE = [
  "1,1,4870000000012,Хлеб,150.00,0,12",
  "2,2,4870204390513,Сигареты,1200.00,0,12",
  "3,1,4870000000035,Сыр,1250.50,0,12",
  "4,3,4870000000043,Пиво,700.00,0,12",
].join("\n") + "\n";

let daemon;
let browser;
let page;
const printed = join(tmpdir(), `kkm-cashier-printer-${process.pid}.bin`);
let sale;

/** A burst of the scanner: the characters, then Enter. */
async function scan(text) {
  assert.equal(await page.evaluate(() => document.activeElement?.id), "scan", "the scanner field has the focus");
  await swapped(async () => {
    await page.keyboard.type(text);
    await page.keyboard.press("Enter");
  });
  return lastStatus;
}

let lastStatus = 0;

/** Runs `keys` and waits until the server's answer is on the screen (the #till fragment swapped). */
async function swapped(keys) {
  await page.evaluate(() => { window.tillBefore = document.getElementById("till"); });
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith(`/console/cashier/${DEMO}`));
  await keys();
  lastStatus = (await answered).status();
  await page.waitForFunction(() => document.getElementById("till") !== window.tillBefore);
}

async function lines() {
  return page.locator("#basket tbody tr[data-index]").allInnerTexts();
}

async function check(name) {
  await shot(page, name);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
}

before(async () => {
  rmSync(printed, { force: true });
  daemon = await startDaemon();
  const saved = await api(daemon, "SaveKKM", { ofd_id: DEMO, printer: { id: 1, name: `file://${printed}`, type: 1 } });
  assert.equal(saved.response_code, 0, JSON.stringify(saved));
  const op = await api(daemon, "SaveOperator", { name: "Айгүл", role: 3, access_pin: CASHIER_PIN, bindings: [DEMO] });
  assert.equal(op.response_code, 0, JSON.stringify(op));
  browser = await launch();
  // The catalogue, imported by the administrator in the console.
  const admin = await browser.context.newPage();
  await signInAdmin(admin, daemon);
  await admin.goto(`${daemon.url}/console/kkm/${DEMO}/catalogue`);
  await admin.getByLabel("CSV-файл").setInputFiles({ name: "c.csv", mimeType: "text/csv", buffer: Buffer.from(CATALOGUE) });
  await admin.getByRole("button", { name: "Импортировать" }).click();
  await admin.waitForURL(/done=imported/);
  // The beer is a marked good: the product's form has the flag.
  await admin.goto(`${daemon.url}/console/kkm/${DEMO}/catalogue/product?code=4`);
  await admin.getByLabel(/Маркированный товар/).check();
  await admin.getByRole("button", { name: "Сохранить" }).click();
  await admin.waitForURL(/done=saved/);
  const beer = admin.locator("#products tbody tr", { hasText: "Пиво" });
  assert.match(await beer.innerText(), /маркировка/);
  assert.doesNotMatch(await admin.locator("#products tbody tr", { hasText: "Хлеб" }).innerText(), /маркировка/);
  await shot(admin, "catalogue-marked-product");
  assert.deepEqual(await accessibilityProblems(admin), [], "accessibility of the catalogue");
  await admin.getByRole("button", { name: "Выйти" }).click();
  // The sign-out's navigation ends before the page closes (a page closed while it
  // navigates can leave the next page of the context waiting).
  await admin.waitForURL(/\/console\/signin/);
  await admin.close();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1366, height: 768 });
});

after(async () => {
  if (browser) { await browser.close(); }
  if (daemon) { await daemon.stop(); }
  rmSync(printed, { force: true });
});

test("a keyboard-only sale: EAN, marked product, free item, line discount, mixed payment with change, printed", async () => {
  await page.goto(`${daemon.url}/console/signin`);
  await page.getByLabel("ПИН-код").focus();
  await page.keyboard.type(CASHIER_PIN);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/console\/$/);
  await page.goto(`${daemon.url}/console/cashier`);
  await page.waitForURL(new RegExp(`/console/cashier/${DEMO}$`));
  await page.waitForFunction(() => document.activeElement?.id === "scan");
  assert.match(await page.locator("#till-status").innerText(), /На связи/);
  assert.match(await page.locator("#shortcuts").innerText(), /F2[\s\S]*F9/);
  await check("till-01-empty");

  await scan(BREAD);
  assert.equal((await lines()).length, 1);
  assert.match((await lines())[0], /Хлеб[\s\S]*150,00/);
  await scan(MARK);
  const after = await lines();
  assert.equal(after.length, 2);
  assert.match(after[1], /Сигареты[\s\S]*DataMatrix/);
  await check("till-02-ean-and-mark");

  // The same mark again, spelt as another scanner types it: the register refuses it.
  assert.equal(await scan(MARK_AGAIN), 422);
  assert.match(await page.locator("#problem").innerText(), /2 invalid_fields[\s\S]*excise/);
  assert.equal((await lines()).length, 2, "the second scan added nothing");
  await check("till-03-mark-twice-refused");

  // F4: a free item (name, price, section) typed in its panel.
  await page.keyboard.press("F4");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "free-name");
  await page.keyboard.type("Пакет");
  await page.keyboard.press("Tab");
  await page.keyboard.type("25");
  await page.keyboard.press("Tab");
  await page.keyboard.type("3");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll("#basket tr[data-index]").length === 3);
  await page.waitForFunction(() => document.activeElement?.id === "scan");

  // ↑ ↑ selects the bread; F3 edits it: 10 tenge off the line.
  await page.keyboard.press("ArrowUp");
  await page.waitForFunction(() => document.querySelector("#basket tr[aria-selected=true]")?.dataset.index === "1");
  await page.keyboard.press("ArrowUp");
  await page.waitForFunction(() => document.querySelector("#basket tr[aria-selected=true]")?.dataset.index === "0");
  await page.keyboard.press("F3");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "line-quantity");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.type("10");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => /−10,00/.test(document.querySelector("#basket tr[data-index='0']")?.innerText || ""));
  // 150 − 10 + 1200 + 25 = 1365, as the register prices it.
  assert.equal((await page.locator("#t-total").innerText()).trim(), "1\u202f365,00");
  await check("till-04-basket");

  // F9: 1000 by card and 500 in cash; the change shows as the cashier types.
  await page.keyboard.press("F9");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "pay-cash");
  assert.equal(await page.inputValue("#pay-cash"), "1365.00", "the cash field starts with what is due");
  await page.keyboard.type("500");
  await page.keyboard.press("Tab");
  await page.keyboard.type("1000");
  await page.waitForFunction(() => document.querySelector("#t-change")?.innerText.trim() === "135,00");
  await check("till-05-payment");
  await page.keyboard.press("Enter");
  await page.locator("#last-receipt").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "scan", "focus back in the scanner field");
  assert.equal((await page.locator("#last-change").innerText()).trim(), "135,00");
  assert.equal((await page.locator("#last-total").innerText()).trim(), "1\u202f365,00");
  sale = (await page.locator("#last-fiscal").innerText()).trim();
  assert.match(sale, /^\d+$/, "an online receipt has its fiscal sign");
  assert.equal((await lines()).length, 0, "the basket is empty again");
  const img = page.locator("#last-image");
  await img.waitFor();
  await page.waitForFunction(() => { const i = document.getElementById("last-image"); return i && i.complete && i.naturalWidth > 0; });
  // The receipt reaches the KKM's printer through the print queue.
  for (let i = 0; i < 50 && !(existsSync(printed) && readFileSync(printed).length > 0); i += 1) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(readFileSync(printed).length > 0, "the receipt was printed");
  await check("till-06-receipt");

  // The register made the receipt as the API would: its journal has it.
  const list = await api(daemon, "GetTransactionList", { kkm_ofd_id: DEMO });
  assert.equal(list.response_code, 0);
  assert.ok(JSON.stringify(list.response_data).includes(sale), "the sale is in the journal");
});

test("a return by the receipt's scanned QR: the original's lines with what is left, the marks sold", async () => {
  const qr = `https://consumer.oofd.kz/?i=${sale}&f=600400123456&s=1365,00&t=20261130T120000`;
  await scan(qr);
  await page.locator("#original").waitFor();
  assert.match(await page.locator("#original h2").innerText(), new RegExp(sale));
  assert.match(await page.locator("#returnable").innerText(), /1\u202f365,00/);
  assert.equal(await page.locator("#original-lines tbody tr").count(), 3);
  assert.match(await page.locator("#sold-marks").innerText(), /0104870204390513215ZxKq9aBcDeFg/);
  assert.equal((await lines()).length, 3);
  await check("till-07-return-found");
  // The bag is not returned: select it (the last line) and Del.
  await page.keyboard.press("Delete");
  await page.waitForFunction(() => document.querySelectorAll("#basket tr[data-index]").length === 2);
  // In cash: the drawer holds only the sale's 365 in cash, the register refuses (58).
  await page.keyboard.press("F9");
  await swapped(() => page.keyboard.press("Enter"));
  assert.equal(lastStatus, 422);
  assert.match(await page.locator("#problem").innerText(), /58 not_enough_cash/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "pay-cash", "the payment panel stays open");
  await check("till-08a-return-refused-58");
  // Back to the card.
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Tab");
  await page.keyboard.type("1340");
  await swapped(() => page.keyboard.press("Enter"));
  assert.equal(lastStatus, 200, await page.locator("#till").innerText());
  await page.waitForFunction(() => /Возврат продажи/.test(document.querySelector("#last-receipt h2")?.innerText || ""));
  assert.equal((await page.locator("#last-total").innerText()).trim(), "1\u202f340,00");
  await check("till-08-return-done");
  // What is left of the original: only the bag.
  await scan(qr);
  await page.locator("#returnable").waitFor();
  assert.equal((await page.locator("#returnable").innerText()).trim(), "25,00");
  assert.equal((await lines()).length, 1);
  assert.match((await lines())[0], /Пакет/);
  await page.keyboard.press("Escape");
  // Clear the basket: back to a sale.
  await page.getByRole("button", { name: "Очистить корзину" }).click();
  await page.waitForFunction(() => document.getElementById("till")?.dataset.mode === "sale");
});

test("autonomous when the OFD is gone: shown with the hours left, and the sale still goes through", async () => {
  assert.equal(await control(daemon, `fault refuse kkm ${DEMO}`), "ok");
  try {
    await page.evaluate(() => document.getElementById("scan").focus());
    await scan(BREAD);
    await page.keyboard.press("F9");
    await swapped(() => page.keyboard.press("Enter"));
    assert.equal(lastStatus, 200, await page.locator("#till").innerText());
    await page.waitForFunction(() => /Автономный/.test(document.getElementById("last-fiscal")?.innerText || ""), null, { timeout: 20000 });
    assert.match(await page.locator("#till-status").innerText(), /Автономный режим/);
    assert.match(await page.locator("#autonomous-left").innerText(), /(71|72) ч из 72/);
    await check("till-09-autonomous");
  } finally {
    assert.equal(await control(daemon, `fault none kkm ${DEMO}`), "ok");
  }
});

test("cash in, own receipts with a duplicate on the printer, and the X-report a cashier may not take", async () => {
  await page.keyboard.press("Escape");
  await page.keyboard.press("F5");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "cash-operation");
  await page.keyboard.press("Tab");
  await page.keyboard.type("5000");
  await swapped(() => page.keyboard.press("Enter"));
  assert.equal(lastStatus, 200);
  assert.match(await page.locator("#till [role=status]").innerText(), /5\u202f000,00/);
  await page.keyboard.press("F6");
  await page.waitForFunction(() => document.activeElement?.closest("#own-receipts"));
  const rows = page.locator("#own-receipts-table tbody tr");
  assert.ok((await rows.count()) >= 3, await page.locator("#own-receipts").innerText());
  assert.match(await rows.first().innerText(), /Продажа/);
  await check("till-10-own-receipts");
  const before = readFileSync(printed).length;
  await swapped(() => page.keyboard.press("Enter"));
  assert.equal(lastStatus, 200, await page.locator("#till").innerText());
  assert.match(await page.locator("#till [role=status]").innerText(), /очередь печати/);
  for (let i = 0; i < 50 && readFileSync(printed).length === before; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(readFileSync(printed).length > before, "the duplicate was printed");
  await page.keyboard.press("F10");
  await swapped(() => page.keyboard.press("Enter"));
  assert.equal(lastStatus, 422);
  assert.match(await page.locator("#problem").innerText(), /71 kkm_access_denied/);
  await check("till-11-x-refused-for-a-cashier");
});

test("a marked product scanned by its EAN waits for each pack's code before it can be paid", async () => {
  await page.keyboard.press("Escape");
  await page.evaluate(() => document.getElementById("scan").focus());
  await scan(BEER);
  await scan(BEER);
  assert.equal((await lines()).length, 2, "one line per pack");
  assert.equal(await page.locator("#basket tr[data-awaits-mark]").count(), 2);
  assert.match(await page.locator("#marks-wanted").innerText(), /ждём кодов: 2/);
  assert.match((await lines())[1], /Пиво[\s\S]*Отсканируйте код маркировки/);
  // A marked line is one pack: the register refuses 2 on it.
  await page.keyboard.press("F3");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "line-quantity");
  await page.keyboard.type("2");
  await swapped(() => page.keyboard.press("Enter"));
  assert.equal(lastStatus, 422);
  assert.match(await page.locator("#problem").innerText(), /2 invalid_fields[\s\S]*quantity/);
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => document.activeElement?.id === "scan");
  assert.equal(await page.locator("#basket tr[data-awaits-mark]").count(), 2, "still two packs waiting");
  // F9 does not open the payment while a code is missing; the notice flashes.
  await page.keyboard.press("F9");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "scan");
  assert.ok(await page.locator("#panel-pay").isHidden(), "no payment panel");
  assert.match(await page.locator("#marks-wanted").getAttribute("class"), /flash/);
  await check("till-12-marks-wanted");
  // Each code goes to the first pack still waiting.
  await scan(BEER_MARKS[0]);
  assert.equal(await page.locator("#basket tr[data-awaits-mark]").count(), 1);
  assert.match((await lines())[0], /DataMatrix/);
  assert.match(await page.locator("#marks-wanted").innerText(), /ждём кодов: 1/);
  await scan(BEER_MARKS[1]);
  assert.equal(await page.locator("#basket tr[data-awaits-mark]").count(), 0);
  assert.equal(await page.locator("#marks-wanted").count(), 0);
  assert.equal((await lines()).length, 2, "the codes went onto the packs, no new lines");
  await page.keyboard.press("F9");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "pay-cash");
  await swapped(() => page.keyboard.press("Enter"));
  assert.equal(lastStatus, 200, await page.locator("#till").innerText());
  assert.equal((await page.locator("#last-total").innerText()).trim(), "1\u202f400,00");
  const fiscal = (await page.locator("#last-fiscal").innerText()).trim();
  await check("till-13-marked-sold");
  // The receipt carries both codes: its return lists them as sold.
  await scan(`https://consumer.oofd.kz/?i=${fiscal}&f=600400123456&s=1400,00&t=20261130T120000`);
  await page.locator("#sold-marks").waitFor();
  const sold = await page.locator("#sold-marks").innerText();
  assert.match(sold, /0104870000000043217QwErTyUiOpAs/);
  assert.match(sold, /0104870000000043218AsDfGhJkLzXc/);
  await page.getByRole("button", { name: "Очистить корзину" }).click();
  await page.waitForFunction(() => document.getElementById("till")?.dataset.mode === "sale");
});
