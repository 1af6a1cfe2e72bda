// What the browser tests share: the real daemon binary in demo mode (its OFD emulator
// in-process, with the control port open), Debian's Chromium driven by playwright-core,
// the HTTP API and the emulator's control port over real sockets, and screenshots.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SHOTS = join(ROOT, "target", "console-screenshots");
export const DAEMON = process.env.KKM_DAEMON || join(ROOT, "target", "debug", "kkm-daemon");
export const ADMIN_PIN = "0000";
/** The PIN the administrator sets at the console's first sign-in (the console asks). */
export const NEW_ADMIN_PIN = "2468";

/** Starts `kkm-daemon demo` on free ports; resolves when it prints its banner. */
export async function startDaemon(extra = []) {
  const dataDir = mkdtempSync(join(tmpdir(), "kkm-console-"));
  const child = spawn(
    DAEMON,
    ["demo", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--ofd-control", "127.0.0.1:0", ...extra],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" } },
  );
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => { err += d; });
  const ready = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`daemon did not start: ${out}\n${err}`)), 30000);
    child.stdout.on("data", (d) => {
      out += d;
      const url = /Console: (http:\/\/[^/\s]+)\//.exec(out);
      const control = /control port: ([\d.]+):(\d+)/.exec(out);
      if (url && control && out.includes("Ctrl-C")) {
        clearTimeout(timer);
        ok({ url: url[1], control: { host: control[1], port: Number(control[2]) } });
      }
    });
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`daemon exited ${code}: ${err}`)); });
  });
  const found = await ready;
  return {
    ...found,
    dataDir,
    // The administrator's PIN now: 0000 until the console's first sign-in replaces it.
    adminPin: ADMIN_PIN,
    logs: () => err,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => { child.on("exit", r); setTimeout(r, 5000); });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One line to the emulator's control port; its one-line answer. */
export function control(daemon, line) {
  return new Promise((ok, fail) => {
    const socket = connect(daemon.control.port, daemon.control.host, () => socket.write(line + "\n"));
    let answer = "";
    socket.on("data", (d) => {
      answer += d;
      if (answer.includes("\n")) { socket.end(); ok(answer.trim()); }
    });
    socket.on("error", fail);
  });
}

/** An API call as a POS would make it: `{response_code, response_data}`. */
export async function api(daemon, method, body = {}, pin = daemon.adminPin) {
  const r = await fetch(`${daemon.url}/${method}`, {
    method: "POST",
    headers: { Authorization: pin, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return r.json();
}

/** A sale through the API; its answer's data (fails the test on a refusal). */
export async function sell(daemon, kkm, items, payments) {
  const r = await api(daemon, "TradeOperation", {
    kkm_ofd_id: kkm,
    operation: 2,
    items: items.map(([name, price, quantity, section]) => ({
      type: 1,
      commodity: { name, section_code: section, quantity, price, sum: Math.round(price * quantity * 100) / 100, measure_unit_code: "796", taxes: [] },
    })),
    payments: payments.map(([type, sum]) => ({ type, sum })),
    amounts: { total: payments.reduce((s, [, v]) => s + v, 0) },
  });
  if (r.response_code !== 0) { throw new Error(`TradeOperation refused: ${JSON.stringify(r)}`); }
  return r.response_data;
}

function chromiumPath() {
  return execFileSync("sh", ["-c", "command -v chromium"]).toString().trim();
}

/** Headless Debian Chromium with a fresh profile (and `extraArgs`): `{context, close}`. */
export async function launch(extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), "kkm-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
      ...extraArgs,
    ],
    viewport: { width: 1280, height: 900 },
    locale: "ru-RU",
    acceptDownloads: true,
  });
  // Every action and wait gives up after 30 s with what it waited for (not forever).
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(30_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot under target/console-screenshots/. */
export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * The page's accessibility basics: every visible input, select and textarea has a
 * label; every button and link has text; ids are unique. Returns the problems found.
 */
export async function accessibilityProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    // What is not rendered (a closed <details>) is not in the accessibility tree.
    const shown = (el) => (el.checkVisibility ? el.checkVisibility() : el.getClientRects().length > 0);
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden" || !shown(el)) { continue; }
      const labelled = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label");
      if (!labelled) { problems.push(`unlabelled ${el.tagName} ${el.name}`); }
    }
    for (const el of document.querySelectorAll("button, a[href]")) {
      if (!shown(el)) { continue; }
      const text = (el.innerText || el.getAttribute("aria-label") || "").trim();
      if (!text) { problems.push(`${el.tagName} without text: ${el.outerHTML.slice(0, 80)}`); }
    }
    const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
    const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (dup.length) { problems.push(`duplicate ids: ${dup.join(", ")}`); }
    if (!document.documentElement.lang) { problems.push("no lang on <html>"); }
    if (document.querySelectorAll("h1").length !== 1) { problems.push("not exactly one h1"); }
    return problems;
  });
}

/** Signs in on the console's form. */
export async function signIn(page, daemon, pin) {
  await page.goto(`${daemon.url}/console/signin`);
  await page.getByLabel(/ПИН-код|PIN/).fill(pin);
  await page.getByRole("button", { name: /Войти|Кіру/ }).click();
}

/**
 * Signs the administrator in; on the first sign-in with 0000 sets NEW_ADMIN_PIN on the
 * page the console opens for it (nothing else opens before), and from then on the API
 * takes the new PIN (`daemon.adminPin`). Ends on the page asked for (the overview).
 */
export async function signInAdmin(page, daemon) {
  await signIn(page, daemon, daemon.adminPin);
  await page.waitForURL(/\/console\/(pin\?|\?|$)/);
  if (page.url().includes("/console/pin")) {
    await page.locator("#f-access_pin").fill(NEW_ADMIN_PIN);
    await page.getByLabel("Новый ПИН-код ещё раз").fill(NEW_ADMIN_PIN);
    await page.getByRole("button", { name: "Сохранить" }).click();
    await page.waitForURL(/notice=pin-changed/);
    daemon.adminPin = NEW_ADMIN_PIN;
  }
}

/** Today's date of the device calendar (UTC+5, Kazakhstan), `yyyy-MM-dd`. */
export function deviceToday() {
  return new Date(Date.now() + 5 * 3600 * 1000).toISOString().slice(0, 10);
}
