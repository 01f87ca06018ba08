// SPDX-License-Identifier: MIT
// Browser test of the page's languages: the real certpost binary in demo mode,
// Debian's headless Chromium started with --lang=de, --lang=ja and --lang=zh-CN
// (so it sends its own Accept-Language), driven by playwright-core, TAP on
// stdout.
//
//   node test_lang.mjs /path/to/certpost
//
// Checks, as a German and a Japanese iPhone and desktop would see it: the
// page's language (Content-Language, <html lang>), the device labels as the
// catalog has them (an unsourced one with the English beside it, a sourced one
// alone), the trust check's messages in the page's language, the switcher
// (?lang=) and its links, and no console errors or CSP violations.
// Screenshots go to CERTPOST_BROWSER_ARTIFACTS (lang-*.png).
// Every request goes to 127.0.0.1 only.

import fs from "node:fs";
import path from "node:path";
import {
	ARTIFACTS, CHROMIUM, checkClean, checkFits, checkSections, chromiumEnv, diag, eq, failures, launch,
	newPage, ok, plan, playwrightVersion, runCheck, runMain, sections, startServer, stopServer, tempDir,
	twoFreePorts, withTimeout,
} from "./lib.mjs";

const WATCHDOG_MS = 120_000;

const IOS_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 " +
	"(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const LINUX_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 " +
	"(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/* What each language's page must say: its iOS trust label, whether that label
 * has a first-party source (then nothing beside it), and words of its own. */
const LANGS = {
	de: {
		tag: "de", trust: "Zertifikatsvertrauenseinstellungen", sourced: false,
		own: "Stammzertifikat", name: "Deutsch",
	},
	ja: { tag: "ja", trust: "証明書信頼設定", sourced: true, own: "ルート証明書", name: "日本語" },
	/* A Chinese iPhone in mainland China sends zh-CN: Simplified Chinese. */
	"zh-CN": { tag: "zh-Hans", trust: "证书信任设置", sourced: false, own: "根证书", name: "简体中文" },
};

let running = null;

async function oneLanguage(base, checkUrl, asked, temps, browsers) {
	const want = LANGS[asked];
	const tag = want.tag;
	const home = tempDir(`lang-${tag}`);
	temps.push(home);
	/* Chromium's own UI language; headless Chromium takes its
	 * Accept-Language from --accept-lang (a desktop Chromium derives it
	 * from the UI language). No locale is set through playwright. */
	const browser = await launch({ ...chromiumEnv(home), LANGUAGE: asked.replace("-", "_") },
		[`--lang=${asked}`, `--accept-lang=${asked}`]);
	browsers.push(browser);

	/* ---- iPhone ---- */
	{
		const { context, page, w } = await newPage(browser, {
			viewport: { width: 390, height: 844 }, deviceScaleFactor: 3,
			isMobile: true, hasTouch: true, userAgent: IOS_UA,
		});
		let sent = null;
		const res = await page.goto(`${base}/`, { waitUntil: "load" });
		sent = (await res.request().allHeaders())["accept-language"] || "";
		diag(`${tag}: Chromium --lang=${asked} sent Accept-Language: ${sent}`);
		ok(sent !== null && sent.toLowerCase().startsWith(asked.toLowerCase()),
			`${tag}: Chromium asks for ${asked} first`, { sent });
		eq(res.headers()["content-language"], tag, `${tag} iphone: Content-Language is ${tag}`);
		eq(await page.getAttribute("html", "lang"), tag, `${tag} iphone: <html lang="${tag}">`);
		ok(/Accept-Language/.test(res.headers()["vary"] || ""), `${tag} iphone: Vary names Accept-Language`,
			res.headers()["vary"]);
		checkSections(await sections(page), "ios", `${tag} iphone`);
		const steps = await page.locator("#ios ol.steps").innerText();
		ok(steps.includes(want.trust), `${tag} iphone: the steps quote ${want.trust}`, steps);
		const beside = steps.includes(`${want.trust} (Certificate Trust Settings)`);
		ok(want.sourced ? !beside : beside,
			want.sourced ? `${tag} iphone: a sourced label stands alone`
				: `${tag} iphone: an unsourced label has the English beside it`, steps);
		const langEn = await page.$$eval("#ios span[lang='en']", (els) => els.map((e) => e.textContent));
		ok(want.sourced ? !langEn.includes("Certificate Trust Settings")
			: langEn.includes("Certificate Trust Settings"),
			`${tag} iphone: the English beside a label is marked lang="en"`, langEn);
		const h1 = await page.locator("h1").innerText();
		ok(h1.includes(want.own), `${tag} iphone: the heading is in ${tag}`, h1);
		const cur = await page.locator("nav.langs [aria-current='true']").innerText();
		eq(cur, want.name, `${tag} iphone: the switcher marks ${want.name}`);
		await checkFits(page, `${tag} iphone`);
		await page.screenshot({ path: path.join(ARTIFACTS, `lang-${tag}-iphone.png`), fullPage: false });
		await page.screenshot({ path: path.join(ARTIFACTS, `lang-${tag}-iphone-full.png`), fullPage: true });
		await checkClean(page, w, `${tag} iphone`);
		await context.close();
	}

	/* ---- desktop: the trust check's words, then the switcher ---- */
	{
		const { context, page, w } = await newPage(browser, {
			viewport: { width: 1280, height: 900 }, userAgent: LINUX_UA,
		});
		await page.goto(`${base}/`, { waitUntil: "load" });
		eq(await page.getAttribute("html", "lang"), tag, `${tag} desktop: <html lang="${tag}">`);
		const msgs = await page.evaluate(() => {
			const s = document.getElementById("check");
			return { some: s.getAttribute("data-msg-some"), untrusted: s.getAttribute("data-msg-untrusted"),
				button: document.getElementById("check-run").textContent };
		});
		ok(msgs.some && !/not trusted yet/.test(msgs.some), `${tag} desktop: the check's messages are ${tag}`,
			msgs);
		let r = null;
		try {
			r = await runCheck(page);
		} catch (e) {
			ok(false, `${tag} desktop: the check finishes`, e.message);
		}
		if (r !== null) {
			/* The demo root is not trusted here: the summary and each item
			 * say so in the page's language. */
			const wantSummary = msgs.some.replace("{bad}", "1").replace("{total}", "1");
			eq(r.summary, wantSummary, `${tag} desktop: the summary is the catalog's, filled in`);
			eq(r.items[0].result, msgs.untrusted, `${tag} desktop: the item says ${msgs.untrusted}`);
		}
		await page.locator("#check").scrollIntoViewIfNeeded();
		await page.screenshot({ path: path.join(ARTIFACTS, `lang-${tag}-desktop.png`), fullPage: false });
		await checkClean(page, w, `${tag} desktop`, { allowCertError: checkUrl });

		/* The switcher: English, by its own name, with ?lang=. */
		await page.click("nav.langs a[hreflang='en']");
		await page.waitForLoadState("load");
		eq(new URL(page.url()).search, "?lang=en", `${tag} desktop: the switcher links ?lang=en`);
		eq(await page.getAttribute("html", "lang"), "en", `${tag} desktop: ?lang=en wins over --lang=${tag}`);
		const other = tag === "de" ? "ja" : "de";
		await page.click(`nav.langs a[hreflang='${other}']`);
		await page.waitForLoadState("load");
		eq(await page.getAttribute("html", "lang"), other, `${tag} desktop: then ${other} by the switcher`);
		await page.screenshot({ path: path.join(ARTIFACTS, `lang-${tag}-switched-${other}.png`), fullPage: false });
		await checkClean(page, w, `${tag} switched`, { allowCertError: checkUrl });
		await context.close();
	}
	await browser.close();
	browsers.pop();
}

async function main() {
	const bin = process.argv[2];
	if (!bin) {
		process.stdout.write("1..0 # SKIP usage: node test_lang.mjs /path/to/certpost\n");
		return 0;
	}
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const [httpPort, httpsPort] = await twoFreePorts();
	const base = `http://127.0.0.1:${httpPort}`;
	const server = running = startServer(bin, ["--demo", "--listen", `127.0.0.1:${httpPort}`,
		"--https-listen", `127.0.0.1:${httpsPort}`]);
	const temps = [];
	const browsers = [];

	try {
		try {
			await withTimeout(server.ready, 10_000, "certpost start");
			ok(true, "certpost --demo starts and says ready");
		} catch (e) {
			ok(false, "certpost --demo starts and says ready", `${e.message}\n${server.stderr}`);
			return 1;
		}
		diag(`chromium ${CHROMIUM}, playwright-core ${playwrightVersion()}`);
		for (const tag of Object.keys(LANGS))
			await oneLanguage(base, `https://127.0.0.1:${httpsPort}/healthz`, tag, temps, browsers);
	} catch (e) {
		ok(false, "the test ran to the end", e.stack || String(e));
	} finally {
		for (const b of browsers)
			await b.close().catch(() => {});
		const exit = await stopServer(server);
		ok(exit.code === 0 && exit.signal === null, "certpost exits 0 on SIGTERM",
			`${JSON.stringify(exit)}\n${server.stderr}`);
		for (const d of temps)
			fs.rmSync(d, { recursive: true, force: true });
		diag(`screenshots in ${ARTIFACTS}`);
		plan();
	}
	return failures() === 0 ? 0 : 1;
}

runMain(main, () => running, WATCHDOG_MS);
