// SPDX-License-Identifier: MIT
// What the browser test (test_page.mjs) is built from: TAP output, the
// certpost process, TLS probes, Chromium's launch and environment, and the
// checks every page visit shares.

import { spawn, execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CHROMIUM = process.env.CERTPOST_CHROMIUM || "/usr/bin/chromium";
export const ARTIFACTS = process.env.CERTPOST_BROWSER_ARTIFACTS || path.join(HERE, "artifacts");
export const CHECK_TIMEOUT_MS = 15_000;

// Keeps Chromium off the network: no proxy, no name resolution, no
// background services; only the IP literal 127.0.0.1 is ever contacted.
const CHROMIUM_ARGS = [
	"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-default-apps", "--disable-domain-reliability", "--no-pings",
	"--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/* ---- TAP ---- */

let count = 0;
let failed = 0;

export function diag(text) {
	for (const line of String(text).split("\n"))
		process.stdout.write(`# ${line}\n`);
}

export function ok(cond, name, details) {
	count++;
	if (!cond)
		failed++;
	process.stdout.write(`${cond ? "ok" : "not ok"} ${count} - ${name}\n`);
	if (!cond && details !== undefined)
		diag(typeof details === "string" ? details : JSON.stringify(details, null, 2));
	return !!cond;
}

export function eq(actual, expected, name) {
	return ok(actual === expected, name,
		`expected: ${JSON.stringify(expected)}\n  actual: ${JSON.stringify(actual)}`);
}

/* The plan line, last: how many tests ran. */
export function plan() {
	process.stdout.write(`1..${count}\n`);
}

export function failures() {
	return failed;
}

/* ---- helpers ---- */

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.once("error", reject);
		srv.listen(0, "127.0.0.1", () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

export async function twoFreePorts() {
	for (;;) {
		const a = await freePort();
		const b = await freePort();
		if (a !== b)
			return [a, b];
	}
}

export function withTimeout(promise, ms, what) {
	let timer;
	return Promise.race([
		promise,
		new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
		}),
	]).finally(() => clearTimeout(timer));
}

/* The certpost process, its stderr kept for diagnostics. */
export function startServer(bin, args) {
	const proc = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
	const state = { proc, stderr: "", exit: null };
	const exited = new Promise((resolve) => {
		proc.once("exit", (code, signal) => {
			state.exit = { code, signal };
			resolve(state.exit);
		});
	});
	state.exited = exited;
	state.ready = new Promise((resolve, reject) => {
		proc.once("error", reject);
		proc.stderr.setEncoding("utf8");
		proc.stderr.on("data", (chunk) => {
			state.stderr += chunk;
			if (state.stderr.includes(" ready in "))
				resolve();
		});
		exited.then((e) => reject(new Error(`certpost exited early: ${JSON.stringify(e)}`)));
	});
	return state;
}

export async function stopServer(state) {
	if (state.exit === null) {
		state.proc.kill("SIGTERM");
		try {
			await withTimeout(state.exited, 10_000, "certpost after SIGTERM");
		} catch (e) {
			state.proc.kill("SIGKILL");
			await state.exited;
			return { code: null, signal: "SIGKILL (did not stop on SIGTERM)" };
		}
	}
	return state.exit;
}

export function pemToDer(pem) {
	const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
	if (!m)
		throw new Error("no PEM certificate block in /ca.pem");
	return Buffer.from(m[1].replace(/\s+/g, ""), "base64");
}

/* The HTTPS listener's certificate, read without verifying it. */
export function peerCertificate(port) {
	return withTimeout(new Promise((resolve, reject) => {
		const sock = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
			const raw = sock.getPeerCertificate(true).raw;
			sock.end();
			resolve(new X509Certificate(raw));
		});
		sock.once("error", reject);
	}), 5000, "TLS connect");
}

/* Does a TLS client that trusts only rootPem accept the listener? */
export function verifiesWith(port, rootPem) {
	return withTimeout(new Promise((resolve) => {
		const sock = tls.connect({ host: "127.0.0.1", port, ca: rootPem }, () => {
			sock.end();
			resolve({ ok: true });
		});
		sock.once("error", (e) => resolve({ ok: false, error: e.message }));
	}), 5000, "TLS verify");
}

export function tempDir(tag) {
	return fs.mkdtempSync(path.join(os.tmpdir(), `certpost-browser-${tag}-`));
}

/* Chromium's environment: a fresh HOME (its NSS database lives in
 * $HOME/.pki/nssdb), no proxies. */
export function chromiumEnv(home) {
	const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"),
		XDG_CACHE_HOME: path.join(home, ".cache") };
	for (const k of Object.keys(env))
		if (/^(https?|ftp|all|no)_proxy$/i.test(k))
			delete env[k];
	return env;
}

export function which(cmd) {
	for (const dir of (process.env.PATH || "/usr/bin:/bin").split(":")) {
		const p = path.join(dir, cmd);
		try {
			fs.accessSync(p, fs.constants.X_OK);
			return p;
		} catch {
			/* next */
		}
	}
	return null;
}

/* A fresh HOME whose NSS database trusts rootPem as a TLS root ("C,,"). */
export function homeTrusting(rootPem, certutil) {
	const home = tempDir("trusted");
	const db = path.join(home, ".pki", "nssdb");
	const pemFile = path.join(home, "root.pem");
	fs.mkdirSync(db, { recursive: true, mode: 0o700 });
	fs.writeFileSync(pemFile, rootPem);
	execFileSync(certutil, ["-d", `sql:${db}`, "-N", "--empty-password"], { stdio: "pipe" });
	execFileSync(certutil, ["-d", `sql:${db}`, "-A", "-t", "C,,", "-n", "certpost demo root",
		"-i", pemFile], { stdio: "pipe" });
	const listed = execFileSync(certutil, ["-d", `sql:${db}`, "-L"], { encoding: "utf8" });
	return { home, listed };
}

/*
 * Watches one page: console errors, uncaught exceptions, CSP violations
 * (console reports and securitypolicyviolation events, counted by an init
 * script), and any request that is not to 127.0.0.1.
 */
const INIT_SCRIPT = `
	window.__csp = [];
	document.addEventListener("securitypolicyviolation", function (e) {
		window.__csp.push(e.violatedDirective + " " + e.blockedURI);
	});
`;

function watch(page) {
	const w = { errors: [], expected: [], csp: [], offHost: [], requests: 0 };
	page.on("console", (msg) => {
		const text = msg.text();
		const url = msg.location() ? msg.location().url : "";
		if (/Content.Security.Policy/i.test(text))
			w.csp.push(text);
		if (msg.type() === "error")
			w.errors.push({ text, url });
	});
	page.on("pageerror", (err) => w.errors.push({ text: `pageerror: ${err.message}`, url: "" }));
	page.on("request", (req) => {
		w.requests++;
		const u = new URL(req.url());
		if (!["data:", "blob:", "about:"].includes(u.protocol) && u.hostname !== "127.0.0.1")
			w.offHost.push(req.url());
	});
	return w;
}

/*
 * The page's own verdicts. allowCertError: the untrusted trust check's fetch
 * to checkUrl fails with net::ERR_CERT_AUTHORITY_INVALID and Chromium logs
 * it; that one message, for that URL, is expected and nothing else.
 */
export async function checkClean(page, w, label, { allowCertError = null } = {}) {
	const errors = [];
	for (const e of w.errors) {
		if (allowCertError !== null && /net::ERR_CERT_AUTHORITY_INVALID/.test(e.text) &&
		    (e.url === allowCertError || e.text.includes(allowCertError)))
			w.expected.push(e);
		else
			errors.push(e);
	}
	ok(errors.length === 0, `${label}: no console errors or page errors`, errors);
	if (allowCertError !== null)
		diag(`${label}: expected console errors: ${JSON.stringify(w.expected.map((e) => e.text))}`);
	const events = await page.evaluate(() => window.__csp || null);
	ok(Array.isArray(events), `${label}: CSP violation listener was installed`, events);
	ok(w.csp.length === 0 && (events || []).length === 0, `${label}: no CSP violations`,
		{ console: w.csp, events });
	ok(w.offHost.length === 0 && w.requests > 0, `${label}: every request went to 127.0.0.1`,
		{ offHost: w.offHost, requests: w.requests });
}

export async function newPage(browser, contextOptions) {
	const context = await browser.newContext({ acceptDownloads: true, ...contextOptions });
	await context.addInitScript(INIT_SCRIPT);
	const page = await context.newPage();
	page.setDefaultTimeout(CHECK_TIMEOUT_MS);
	const w = watch(page);
	return { context, page, w };
}

/* Platform sections in page order: [{id, open}]. */
export function sections(page) {
	return page.$$eval("#steps-list > details.platform", (els) =>
		els.map((d) => ({ id: d.id, open: d.open })));
}

/* Section order: the visitor's first and open, every other one closed. */
export function checkSections(list, platform, label, alsoOpen = []) {
	eq(list.length > 0 ? list[0].id : null, platform, `${label}: first platform section is "${platform}"`);
	ok(list.length > 0 && list[0].open, `${label}: the "${platform}" section is open`, list);
	alsoOpen.forEach((id, i) => {
		eq(list.length > i + 1 ? list[i + 1].id : null, id, `${label}: section ${i + 2} is "${id}"`);
		ok(list.length > i + 1 && list[i + 1].open, `${label}: the "${id}" section is open too`, list);
	});
	const others = list.slice(1 + alsoOpen.length).filter((s) => s.open).map((s) => s.id);
	ok(list.length > 1 && others.length === 0, `${label}: the other sections are closed`, list);
}

/* The page fits the viewport's width: nothing to scroll sideways. */
export async function checkFits(page, label) {
	const r = await page.evaluate(() => ({
		scrollWidth: document.documentElement.scrollWidth,
		innerWidth: window.innerWidth,
		wider: Array.from(document.querySelectorAll("body *"))
			.filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
			.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`),
	}));
	ok(r.scrollWidth <= r.innerWidth && r.wider.length === 0,
		`${label}: the page fits the ${r.innerWidth} px wide viewport`, r);
}

/* Clicks the check button and waits for every item to leave "checking". */
export async function runCheck(page) {
	await page.click("#check-run");
	await page.waitForFunction(() => {
		const items = document.querySelectorAll("#check-list li[data-check-url]");
		return items.length > 0 && Array.from(items).every((li) => {
			const s = li.getAttribute("data-state");
			return s !== "checking" && s !== "idle";
		});
	}, null, { timeout: CHECK_TIMEOUT_MS });
	return page.evaluate(() => ({
		items: Array.from(document.querySelectorAll("#check-list li[data-check-url]")).map((li) => ({
			url: li.getAttribute("data-check-url"),
			state: li.getAttribute("data-state"),
			result: li.querySelector(".check-result") ? li.querySelector(".check-result").textContent : null,
		})),
		summary: document.getElementById("check-summary").textContent,
		summaryState: document.getElementById("check-summary").getAttribute("data-state"),
		adviceIos: !document.getElementById("check-advice-ios").hidden,
		adviceOther: !document.getElementById("check-advice-other").hidden,
	}));
}

export function playwrightVersion() {
	try {
		return JSON.parse(fs.readFileSync(path.join(HERE, "node_modules", "playwright-core",
			"package.json"), "utf8")).version;
	} catch {
		return "(version unknown)";
	}
}

export function launch(env, extraArgs = []) {
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: [...CHROMIUM_ARGS, ...extraArgs],
		env,
		timeout: 30_000,
	});
}

/*
 * Runs a test's main(): a watchdog that bails out after watchdogMs, SIGINT
 * and SIGTERM bail out too, and either kills the certpost process
 * running() returns; main's result is the exit status, a throw a failure.
 */
export function runMain(main, running, watchdogMs) {
	const kill = () => {
		const r = running();
		if (r !== null && r.exit === null)
			r.proc.kill("SIGKILL");
	};
	const watchdog = setTimeout(() => {
		process.stdout.write(`Bail out! no end after ${watchdogMs / 1000} s\n`);
		kill();
		process.exit(1);
	}, watchdogMs);
	watchdog.unref();
	for (const sig of ["SIGINT", "SIGTERM"])
		process.once(sig, () => {
			kill();
			process.stdout.write(`Bail out! ${sig}\n`);
			process.exit(1);
		});
	main().then((rc) => {
		process.exitCode = rc;
	}, (e) => {
		ok(false, "the test ran", e.stack || String(e));
		plan();
		process.exitCode = 1;
	});
}
