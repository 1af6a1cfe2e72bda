// The web console in a real browser (headless Debian Chromium, playwright-core)
// against the real daemon binary in demo mode and its OFD emulator, over real sockets.
// The scenarios run in order on one daemon: each builds on what the previous one did.
// A screenshot of every page lands in target/console-screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ADMIN_PIN, NEW_ADMIN_PIN, accessibilityProblems, api, control, deviceToday, launch, sell, shot, signIn,
  signInAdmin, startDaemon,
} from "./lib.mjs";

let daemon;
let browser;
let page;
const DEMO = 6923;

async function visit(path, name) {
  const response = await page.goto(`${daemon.url}${path}`);
  await check(name);
  return response;
}

/** Screenshot and accessibility basics of the page now shown. */
async function check(name) {
  await shot(page, name);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
}

before(async () => {
  daemon = await startDaemon();
  browser = await launch();
  page = await browser.context.newPage();
});

after(async () => {
  if (browser) { await browser.close(); }
  if (daemon) { await daemon.stop(); }
});

test("the first sign-in with 0000 sets the administrator's own PIN before anything else", async () => {
  const first = await page.goto(`${daemon.url}/`);
  assert.ok(first.ok());
  assert.match(page.url(), /\/console\/signin/);
  await check("01-sign-in");
  await page.getByLabel("ПИН-код").fill(ADMIN_PIN);
  await page.getByRole("button", { name: "Войти" }).click();
  await page.waitForURL(/\/console\/pin\?next=/);
  assert.match(await page.locator("main").innerText(), /ПИН-кодом по умолчанию 0000/);
  assert.equal(await page.locator("nav a").count(), 0, "no menu before the change");
  await check("01a-default-pin-change");
  // Nothing else opens: any page leads back here.
  await page.goto(`${daemon.url}/console/kkms`);
  assert.match(page.url(), /\/console\/pin\?next=%2Fconsole%2Fkkms/);
  // Not the same twice; not 0000 again.
  await page.locator("#f-access_pin").fill(NEW_ADMIN_PIN);
  await page.getByLabel("Новый ПИН-код ещё раз").fill("1111");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await page.locator("#f-repeat_pin-error").waitFor();
  await page.locator("#f-access_pin").fill(ADMIN_PIN);
  await page.getByLabel("Новый ПИН-код ещё раз").fill(ADMIN_PIN);
  await page.getByRole("button", { name: "Сохранить" }).click();
  await page.locator("#f-access_pin-error").waitFor();
  assert.match(await page.locator("#f-access_pin-error").innerText(), /11 access_code_incorrect/);
  await shot(page, "01b-default-pin-refused");
  await page.locator("#f-access_pin").fill(NEW_ADMIN_PIN);
  await page.getByLabel("Новый ПИН-код ещё раз").fill(NEW_ADMIN_PIN);
  await page.getByRole("button", { name: "Сохранить" }).click();
  await page.waitForURL(/\/console\/kkms\?notice=pin-changed$/);
  assert.match(await page.locator("main").innerText(), /ПИН-код изменён/);
  daemon.adminPin = NEW_ADMIN_PIN;
  // The API takes the new PIN, no longer 0000.
  assert.equal((await api(daemon, "GetKKMList", {}, ADMIN_PIN)).response_code, 5);
  assert.equal((await api(daemon, "GetKKMList")).response_code, 0);
  await page.goto(`${daemon.url}/console/`);
  const row = page.locator(`tr[data-kkm="${DEMO}"]`);
  await assert.doesNotReject(row.waitFor());
  assert.match(await row.innerText(), /На связи/);
  await check("02-overview");
  const cookies = await browser.context.cookies();
  const session = cookies.find((c) => c.name === "kkm_session");
  assert.ok(session.httpOnly, "the session cookie is HttpOnly");
  assert.equal(session.sameSite, "Strict");
  assert.ok(!page.url().includes(ADMIN_PIN) && !page.url().includes(NEW_ADMIN_PIN), "the PIN is never in a URL");
  assert.match(daemon.logs(), /default PIN 0000 still opens an operator/, "the log said so at start");
});

test("the console speaks Kazakh after the switch, and Russian again", async () => {
  await page.getByRole("button", { name: "Қазақша" }).click();
  await page.waitForURL(/\/console\/$/);
  assert.equal(await page.getAttribute("html", "lang"), "kk");
  assert.ok(await page.getByRole("link", { name: "Кассалар" }).isVisible());
  await check("03-overview-kk");
  await page.getByRole("button", { name: "Русский" }).click();
  await page.waitForURL(/\/console\/$/);
  assert.equal(await page.getAttribute("html", "lang"), "ru");
});

test("register a new KKM with its factory number, and an existing one", async () => {
  await visit("/console/kkms", "04-kkms");
  await page.getByRole("link", { name: "Создать новую кассу" }).click();
  await check("05-kkm-new");
  await page.getByLabel("Сервер ОФД").selectOption({ label: "Казахтелеком - test" });
  await page.getByRole("button", { name: "Получить ЗНМ" }).click();
  const znm = (await page.locator("#vendor-id").innerText()).trim();
  assert.match(znm, /^ISCR\d{13}$/);
  await check("06-kkm-vendor-id");
  // The taxpayer registers the KKM with this ЗНМ at the OFD's portal (the emulator).
  assert.equal(await control(daemon, `register 7001 555 ${znm}`), "ok");
  await page.getByRole("link", { name: "Добавить существующую кассу" }).click();
  assert.equal(await page.getByLabel("Сервер ОФД").inputValue(), "4C49A0CB1DD4413387F6E6199CBB1B2A");
  await page.getByLabel("Системный идентификатор").fill("7001");
  await page.getByLabel("Токен").fill("555");
  await page.getByLabel("Наименование").fill("Касса 2");
  await check("07-kkm-add");
  await page.getByRole("button", { name: "Добавить кассу" }).click();
  await page.waitForURL(/\/console\/kkm\/7001/);
  assert.equal((await page.locator("#znm").innerText()).trim(), znm, "the ЗНМ comes back from the OFD");
  assert.match(await page.locator("#rnm").innerText(), /\d{12}/);
  await check("08-kkm-card");

  // An existing KKM, with a wrong token first: refused next to the token field.
  assert.equal(await control(daemon, "register 7002 777"), "ok");
  await visit("/console/kkms/add", "09-kkm-add-existing");
  await page.getByLabel("Системный идентификатор").fill("7002");
  await page.getByLabel("Токен").fill("778");
  await page.getByRole("button", { name: "Добавить кассу" }).click();
  const tokenError = page.locator("#f-ofd_token-error");
  assert.match(await tokenError.innerText(), /42/);
  assert.equal(await page.getByLabel("Токен").getAttribute("aria-invalid"), "true");
  await check("10-kkm-add-refused");
  await page.getByLabel("Токен").fill("777");
  await page.getByLabel("Наименование").fill("Касса у окна");
  await page.getByLabel("Автоматическое изъятие при закрытии смены").check();
  await page.getByLabel("Плательщик НДС").check();
  await page.getByLabel("Серия").fill("12345");
  await page.getByLabel("Номер", { exact: true }).fill("0012345");
  await page.getByLabel("Название принтера").fill("XP-58");
  await page.getByRole("button", { name: "Добавить кассу" }).click();
  await page.waitForURL(/\/console\/kkm\/7002/);
  const card = await page.locator("main").innerText();
  assert.match(card, /Касса у окна/);
  assert.match(card, /12345 № 0012345/);
  assert.match(card, /XP-58/);
  const list = await api(daemon, "GetKKMList");
  assert.deepEqual(list.response_data.map((k) => k.ofd_id).sort(), [DEMO, 7001, 7002]);
  await visit("/console/kkm/7002/edit", "11-kkm-edit");
  await visit("/console/kkm/7002/delete", "12-kkm-delete-confirm");
});

test("create a cashier bound to a KKM", async () => {
  await visit("/console/operators", "13-operators");
  await page.getByRole("link", { name: "Добавить оператора" }).click();
  await page.getByLabel("Наименование (ФИО)").fill("Айгүл Сейтқали");
  await page.getByLabel("Роль").selectOption({ label: "Кассир" });
  await page.getByLabel("ПИН-код").fill("4321");
  await page.getByLabel(`(ID ${DEMO})`).check();
  await check("14-operator-new");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await page.waitForURL(/\/console\/operators$/);
  const row = page.locator("#operators tr", { hasText: "Айгүл Сейтқали" });
  assert.match(await row.innerText(), /Кассир\s+6923/);
  const ops = await api(daemon, "GetOperatorList");
  const cashier = ops.response_data.find((o) => o.name === "Айгүл Сейтқали");
  assert.deepEqual(cashier.bindings, [DEMO]);
  assert.equal(cashier.access_pin, "****");
  await visit(`/console/operator/${cashier.ID}`, "15-operator-edit");
  await visit(`/console/operator/${cashier.ID}/delete`, "16-operator-delete-confirm");
  // The last administrator cannot be deleted: the register's 16, shown with its code.
  const admin = ops.response_data.find((o) => o.role === 1);
  await page.goto(`${daemon.url}/console/operator/${admin.ID}/delete`);
  await page.getByRole("button", { name: "Да, удалить оператора" }).click();
  assert.match(await page.locator("#problem").innerText(), /16 operator_delete_error/);
});

test("change a KKM's token (a wrong one changes nothing)", async () => {
  await visit("/console/kkm/7001/token", "17-kkm-token");
  await page.getByLabel("Новый токен").fill("999");
  await page.getByRole("button", { name: "Сохранить" }).click();
  assert.match(await page.locator("#f-ofd_token-error").innerText(), /42 invalid_kkm_token/);
  // The portal issues a new token; the admin enters it.
  assert.equal(await control(daemon, "token 7001 556"), "ok");
  await page.getByLabel("Новый токен").fill("556");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await page.waitForURL(/\/console\/kkm\/7001\?done=saved/);
  const sale = await sell(daemon, 7001, [["Хлеб", 150, 1, "1"]], [[0, 150]]);
  assert.ok(sale.fiscal_id, "the KKM sells with its new token");
});

test("cash in and out on the shift page, then an X-report", async () => {
  await visit(`/console/kkm/${DEMO}/shift`, "18-shift");
  await page.getByLabel("Операция").selectOption({ label: "Внесение" });
  await page.getByLabel("Сумма, ₸").fill("1000");
  await page.getByRole("button", { name: "Провести" }).click();
  await page.waitForURL(/done=cash/);
  assert.match(await page.locator("#cash").innerText(), /1\s000,00/);
  await page.getByLabel("Операция").selectOption({ label: "Изъятие" });
  await page.getByLabel("Сумма, ₸").fill("300,50");
  await page.getByRole("button", { name: "Провести" }).click();
  await page.waitForURL(/done=cash/);
  assert.match(await page.locator("#cash").innerText(), /699,50/);
  // More than the drawer holds: the core's 58, next to the sum.
  await page.getByLabel("Операция").selectOption({ label: "Изъятие" });
  await page.getByLabel("Сумма, ₸").fill("5000");
  await page.getByRole("button", { name: "Провести" }).click();
  assert.match(await page.locator("#f-sum-error").innerText(), /58 not_enough_cash/);
  await check("19-shift-cash-refused");

  await page.getByRole("button", { name: "Снять X-отчёт" }).click();
  await page.waitForURL(/\/report\/\d+$/);
  assert.match(await page.locator("#report-cash").innerText(), /699,50/);
  const img = page.locator("img.receipt");
  await img.waitFor();
  assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), "the X-report's image");
  await check("20-x-report");
});

let receipt;

test("a receipt made through the API is found in the journal, opens as its image, prints a duplicate, exports", async () => {
  receipt = await sell(daemon, DEMO, [["Молоко 2,5%", 480, 2, "1"], ["Сыр", 1250.5, 1, "2"]], [[1, 2210.5]]);
  await visit(`/console/kkm/${DEMO}/journal`, "21-journal");
  await page.getByLabel("Фискальный признак").fill(receipt.fiscal_id);
  await page.getByRole("button", { name: "Показать" }).click();
  const rows = page.locator("#journal tbody tr");
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /Продажа[\s\S]*2\s210,50/);
  await rows.first().getByRole("link").click();
  await page.waitForURL(/\/doc\/\d+$/);
  assert.equal((await page.locator("#fiscal-sign").innerText()).trim(), receipt.fiscal_id);
  const original = page.locator("#document-image");
  await original.waitFor();
  assert.ok(await original.evaluate((i) => i.complete && i.naturalWidth > 0));
  await check("22-document");
  const imageResponse = page.waitForResponse((r) => r.url().includes("image?duplicate=1"));
  await page.getByRole("link", { name: "Печать дубликата" }).click();
  const dup = await imageResponse;
  assert.equal(dup.headers()["content-type"], "image/png");
  const png = await dup.body();
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.ok(await page.getByRole("button", { name: "Печать" }).isVisible());
  await check("23-duplicate");

  // A duplicate on the KKM's own printer goes through the print queue (ReprintDocument).
  const printed = join(tmpdir(), `kkm-console-duplicate-${process.pid}.bin`);
  rmSync(printed, { force: true });
  const saved = await api(daemon, "SaveKKM", { ofd_id: DEMO, printer: { id: 1, name: `file://${printed}`, type: 1 } });
  assert.equal(saved.response_code, 0, JSON.stringify(saved));
  await page.getByRole("link", { name: "К документу" }).click();
  await page.getByRole("button", { name: "Напечатать дубликат на принтере кассы" }).click();
  await page.waitForURL(/\/doc\/\d+\?queued=\d+$/);
  assert.match(await page.locator("[role=status]").innerText(), /очередь печати/);
  const jobs = page.locator("#print-jobs tbody tr");
  assert.equal(await jobs.count(), 1);
  let state = "";
  for (let i = 0; i < 50 && !/Напечатано/.test(state); i += 1) {
    await page.reload();
    state = await jobs.first().innerText();
    if (!/Напечатано/.test(state)) { await new Promise((r) => setTimeout(r, 200)); }
  }
  assert.match(state, /Напечатано/);
  assert.ok(readFileSync(printed).length > 0, "the duplicate reached the printer");
  await check("23b-duplicate-queued");

  await page.goto(`${daemon.url}/console/kkm/${DEMO}/journal`);
  const [csv] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Выгрузить CSV" }).click(),
  ]);
  const csvText = await streamText(await csv.createReadStream());
  assert.match(csvText, /^id,date_time,kind/);
  assert.ok(csvText.includes(receipt.fiscal_id), "the period's CSV holds the receipt");
  const [jsonl] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Выгрузить JSON lines" }).click(),
  ]);
  const lines = (await streamText(await jsonl.createReadStream())).trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.fiscal_sign === receipt.fiscal_id));
});

async function streamText(stream) {
  const chunks = [];
  for await (const c of stream) { chunks.push(c); }
  return Buffer.concat(chunks).toString("utf8");
}

test("analytics of today's sales made through the API", async () => {
  await sell(daemon, DEMO, [["Кофе", 900, 2, "3"]], [[0, 1000], [4, 800]]);
  const today = deviceToday();
  await visit(`/console/analytics?from=${today}&to=${today}&kkm=${DEMO}`, "24-analytics");
  // Sales on KKM 6923 today: 2 210,50 (card) and 1 800 (cash 1 000, mobile 800).
  const totals = await page.locator("#totals").innerText();
  assert.match(totals, /4\s010,50/);
  await page.locator("details.behind").first().evaluate((d) => { d.open = true; });
  const dayRow = page.locator("#table-day tbody tr", { hasText: today });
  assert.match(await dayRow.innerText(), /4\s010,50/);
  await page.locator("details.behind").nth(3).evaluate((d) => { d.open = true; });
  assert.match(await page.locator("#table-section").innerText(), /3[\s\S]*1\s800,00/);
  const svg = page.locator("#chart-day-title");
  assert.ok(await svg.count(), "the chart is an image with a title");
  await check("25-analytics-tables");
  await page.locator("details.behind").nth(2).evaluate((d) => { d.open = true; });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#table-payment caption a").click(),
  ]);
  const csv = await streamText(await download.createReadStream());
  assert.match(csv, /1000\.00/);
  assert.match(csv, /800\.00/);
  assert.match(csv, /2210\.50/);
});

test("a Z-report closes the shift after a confirmation", async () => {
  await page.goto(`${daemon.url}/console/kkm/${DEMO}/shift`);
  await page.getByRole("link", { name: "Закрыть смену (Z-отчёт)" }).click();
  await check("26-z-confirm");
  await page.getByRole("button", { name: "Да, закрыть смену" }).click();
  await page.waitForURL(/\/report\/\d+$/);
  assert.match(await page.locator("h1").innerText(), /Z-отчёт/);
  await check("27-z-report");
  await page.goto(`${daemon.url}/console/kkm/${DEMO}/shift`);
  assert.equal((await page.locator("#shift-state").innerText()).trim(), "Закрыта");
});

test("a catalogue CSV with one bad line is refused whole, with the line and column", async () => {
  await visit(`/console/kkm/${DEMO}/catalogue`, "28-catalogue");
  const bad = "1,1,4870000000011,Хлеб,150.00,0,12\n2,1,4870000000028,Молоко,abc,0,12\n3,1,4870000000035,Сыр,1250.50,0,12\n";
  await page.getByLabel("CSV-файл").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await page.getByRole("button", { name: "Импортировать" }).click();
  const problem = page.locator("#problem");
  assert.match(await problem.innerText(), /2 invalid_fields/);
  const cells = await problem.locator("table.csv tbody tr").allInnerTexts();
  assert.equal(cells.length, 1);
  assert.match(cells[0], /^2\s+\S/);
  assert.match(await page.locator("#products caption").innerText(), /0 из 0/, "nothing imported");
  await check("29-catalogue-import-refused");
  const good = bad.replace("abc", "320.00");
  await page.getByLabel("CSV-файл").setInputFiles({ name: "good.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
  await page.getByRole("button", { name: "Импортировать" }).click();
  await page.waitForURL(/done=imported/);
  assert.match(await page.locator("#products caption").innerText(), /3 из 3/);
  await page.getByLabel("Название, штрихкод или код").fill("мол");
  await page.getByRole("button", { name: "Поиск", exact: true }).click();
  assert.equal(await page.locator("#products tbody tr").count(), 1);
  await visit(`/console/kkm/${DEMO}/catalogue/product?code=2`, "30-product-edit");
  await page.getByLabel("Цена, ₸").fill("330");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await page.waitForURL(/done=saved/);
  assert.match(await page.locator("#products").innerText(), /330,00/);
  await visit(`/console/kkm/${DEMO}/catalogue/bundle`, "31-bundle-new");
  await page.locator("#f-code").fill("100");
  await page.getByLabel("Наименование").fill("Завтрак");
  await page.getByLabel("Штрихкод").fill("4870000000999");
  await page.getByLabel("Состав").fill("1 1\n2 2");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await page.waitForURL(/done=saved/);
  assert.match(await page.locator("#bundles").innerText(), /Завтрак/);
  await check("32-catalogue");
});

test("a KKM blocked by the OFD's refusal is unblocked from its page; the overview follows by itself", async () => {
  await page.goto(`${daemon.url}/console/`);
  const state = page.locator(`tr[data-kkm="${DEMO}"] .badge`);
  assert.equal(await state.innerText(), "На связи");
  assert.equal(await control(daemon, `fault result 15 times 1 kkm ${DEMO}`), "ok");
  const refused = await api(daemon, "TradeOperation", {
    kkm_ofd_id: DEMO, operation: 2,
    items: [{ type: 1, commodity: { name: "Вода", section_code: "1", quantity: 1, price: 200, sum: 200, measure_unit_code: "796", taxes: [] } }],
    payments: [{ type: 0, sum: 200 }], amounts: { total: 200 },
  });
  assert.equal(refused.response_code, 62);
  // No reload: the event stream tells the page, which fetches its rows again.
  await page.waitForFunction(
    (kkm) => document.querySelector(`tr[data-kkm="${kkm}"] .badge`)?.textContent === "Заблокирована",
    DEMO, { timeout: 10000 },
  );
  await check("33-overview-blocked");
  await page.locator(`tr[data-kkm="${DEMO}"]`).getByRole("link", { name: "Разблокировать" }).click();
  assert.match(await page.locator("#ofd-code").innerText(), /^15/);
  assert.ok((await page.locator("#ofd-text").innerText()).trim().length > 0);
  const img = page.locator("img.receipt");
  assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), "the refused document's image");
  await check("34-unblock");
  await page.getByRole("button", { name: "Отправить повторно" }).click();
  await page.waitForURL(/sent=\d+/);
  assert.match(await page.locator("main").innerText(), /Блокировка снята, отправлено документов: 1/);
  await page.goto(`${daemon.url}/console/`);
  assert.equal(await state.innerText(), "На связи");
});

test("the PIN policy asks longer PINs of administrators", async () => {
  await visit("/console/settings", "35-settings");
  await page.getByLabel("Минимальная длина ПИН-кода администратора").fill("40");
  await page.getByRole("button", { name: "Сохранить" }).click();
  assert.match(await page.locator("#f-admin_pin_min_length-error").innerText(), /2 invalid_fields/);
  await page.getByLabel("Минимальная длина ПИН-кода администратора").fill("8");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await page.waitForURL(/done=saved/);
  const refused = await api(daemon, "SaveOperator", { name: "Второй админ", role: 1, access_pin: "1234" });
  assert.equal(refused.response_code, 11);
  const ok = await api(daemon, "SaveOperator", { name: "Второй админ", role: 1, access_pin: "12345678" });
  assert.equal(ok.response_code, 0);
});

test("a cashier sees only its KKM and is refused an administrator's page", async () => {
  const cashier = await launch();
  try {
    const p = await cashier.context.newPage();
    await signIn(p, daemon, "4321");
    await p.waitForURL(/\/console\/$/);
    assert.equal(await p.locator("tbody tr[data-kkm]").count(), 1, "only the bound KKM");
    assert.equal(await p.getByRole("link", { name: "Операторы" }).count(), 0, "no admin menu");
    const r = await p.goto(`${daemon.url}/console/operators`);
    assert.equal(r.status(), 403);
    assert.match(await p.locator("#problem").innerText(), /71 kkm_access_denied/);
    await shot(p, "36-cashier-refused");
    const other = await p.goto(`${daemon.url}/console/kkm/7001/journal`);
    assert.equal(other.status(), 403);
    const edit = await p.goto(`${daemon.url}/console/kkm/${DEMO}/edit`);
    assert.equal(edit.status(), 403);
  } finally {
    await cashier.close();
  }
});

test("five wrong PINs are slowed down; the right PIN still works", async () => {
  const fresh = await launch();
  try {
    const p = await fresh.context.newPage();
    const refusedAt = [];
    for (let i = 0; i < 5; i++) {
      await signIn(p, daemon, "9999");
      await p.locator("#f-access_pin-error").waitFor();
      refusedAt.push(Date.now());
      assert.match(await p.locator("#f-access_pin-error").innerText(), /5 invalid_access_code/);
    }
    await shot(p, "37-wrong-pin");
    // Three free attempts; then the register checks the next PIN no sooner than 1 s
    // after the last wrong one, then 2 s (the page waits, it is not refused); the
    // gaps are measured in the browser, rendering included, hence the margin.
    const gaps = refusedAt.slice(1).map((t, i) => t - refusedAt[i]);
    assert.ok(gaps[2] >= 800 && gaps[3] >= 1600, `slowed down: gaps ${gaps.join(", ")} ms`);
    const started = Date.now();
    await signIn(p, daemon, daemon.adminPin);
    await p.waitForURL(/\/console\/(\?.*)?$/);
    const right = Date.now() - started;
    assert.ok(right < gaps[3], `the right PIN is not held up: ${right} ms`);
    // The administrator's PIN is now shorter than the policy set above: a notice, and
    // the warning above every page names whose PIN it is.
    assert.match(await p.locator("main").innerText(), /короче, чем требует политика/);
    assert.match(await p.locator("#short-pin-warning").innerText(), /Администратор/);
    await shot(p, "38-weak-pin-notice");
    assert.match(daemon.logs(), /sign-in failed/, "failed sign-ins are logged");
    assert.ok(!daemon.logs().includes("9999"), "never the PIN");
  } finally {
    await fresh.close();
  }
});

test("signing out ends the session", async () => {
  await page.goto(`${daemon.url}/console/`);
  await page.getByRole("button", { name: "Выйти" }).click();
  await page.waitForURL(/\/console\/signin/);
  const r = await page.goto(`${daemon.url}/console/kkms`);
  assert.match(page.url(), /\/console\/signin\?next=/);
  assert.ok(r.ok());
});

test("an idle session expires", async () => {
  const short = await startDaemon(["--session-idle-secs", "2"]);
  const b = await launch();
  try {
    const p = await b.context.newPage();
    await signInAdmin(p, short);
    await p.waitForTimeout(3000);
    await p.goto(`${short.url}/console/kkms`);
    assert.match(p.url(), /\/console\/signin\?expired=1/);
    assert.match(await p.locator("main").innerText(), /Сеанс завершён/);
    await shot(p, "39-session-expired");
    // Signing in again leads back to the page asked for.
    await p.getByLabel("ПИН-код").fill(short.adminPin);
    await p.getByRole("button", { name: "Войти" }).click();
    await p.waitForURL(/\/console\/kkms$/);
  } finally {
    await b.close();
    await short.stop();
  }
});

test("a state change without the session's CSRF token is refused", async () => {
  await signIn(page, daemon, daemon.adminPin);
  await page.waitForURL(/\/console\/(\?.*)?$/);
  const r = await page.request.post(`${daemon.url}/console/kkm/${DEMO}/cash`, {
    form: { csrf: "0".repeat(32), operation: "0", sum: "10" },
  });
  assert.equal(r.status(), 403);
  const cross = await page.request.post(`${daemon.url}/console/kkm/${DEMO}/cash`, {
    form: { operation: "0", sum: "10" },
    headers: { Origin: "http://evil.example" },
  });
  assert.equal(cross.status(), 403);
});
