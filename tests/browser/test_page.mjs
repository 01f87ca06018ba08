// SPDX-License-Identifier: MIT
// Browser test of the instructions page: the real certpost binary in demo mode,
// Debian's headless Chromium driven by playwright-core, TAP on stdout.
//
//   node test_page.mjs /path/to/certpost
//
// Checks, as an iPhone and as a desktop browser would see it: the visitor's
// platform section first and open, the QR code only off the phone, the iPhone
// download (type and bytes), the trust check against certpost's own HTTPS
// listener with the demo root not trusted and then trusted (in an NSS
// database, as Chromium on Linux reads it), and no console errors, page
// errors or Content-Security-Policy violations on any page.
// Every request goes to 127.0.0.1 only; nothing is downloaded from outside.
//
// Environment: CERTPOST_CHROMIUM (default /usr/bin/chromium),
// CERTPOST_BROWSER_ARTIFACTS (default tests/browser/artifacts: screenshots).

import { X509Certificate, createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {
	ARTIFACTS, CHECK_TIMEOUT_MS, CHROMIUM, checkClean, checkFits, checkSections, chromiumEnv, diag, eq,
	failures, homeTrusting, launch, newPage, ok, peerCertificate, pemToDer, plan, playwrightVersion,
	runCheck, runMain, sections, startServer, stopServer, tempDir, twoFreePorts, verifiesWith, which, withTimeout,
} from "./lib.mjs";

const WATCHDOG_MS = 120_000;

const IOS_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 " +
	"(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const WINDOWS_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
	"(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const LINUX_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 " +
	"(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/* ---- the test ---- */

let running = null; /* the certpost process, for the watchdog */

async function main() {
	const bin = process.argv[2];
	if (!bin) {
		process.stdout.write("1..0 # SKIP usage: node test_page.mjs /path/to/certpost\n");
		return 0;
	}
	fs.mkdirSync(ARTIFACTS, { recursive: true });

	const [httpPort, httpsPort] = await twoFreePorts();
	const base = `http://127.0.0.1:${httpPort}`;
	const checkUrl = `https://127.0.0.1:${httpsPort}/healthz`;
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

		const pemRes = await fetch(`${base}/ca.pem`);
		const pem = await pemRes.text();
		const der = pemToDer(pem);
		ok(pemRes.ok && der.length > 100, "/ca.pem gives a PEM certificate", { status: pemRes.status });
		const root = new X509Certificate(der);
		diag(`demo root: ${root.subject.replace(/\n/g, ", ")}; SHA-256 ${root.fingerprint256}`);
		const leaf = await peerCertificate(httpsPort);
		ok(leaf.checkIssued(root) && leaf.verify(root.publicKey),
			"the HTTPS listener's certificate is issued by the demo root",
			{ leafIssuer: leaf.issuer, root: root.subject });
		const v = await verifiesWith(httpsPort, pem);
		ok(v.ok, "a TLS client trusting only the demo root accepts 127.0.0.1's HTTPS listener", v);

		/* ---- Chromium with a fresh HOME: the demo root is not trusted ---- */
		const plainHome = tempDir("plain");
		temps.push(plainHome);
		const browser = await launch(chromiumEnv(plainHome));
		browsers.push(browser);
		diag(`chromium ${browser.version()} (${CHROMIUM}), playwright-core ${playwrightVersion()}`);

		/* ---- iPhone ---- */
		{
			const { context, page, w } = await newPage(browser, {
				viewport: { width: 390, height: 844 }, deviceScaleFactor: 3,
				isMobile: true, hasTouch: true, userAgent: IOS_UA,
			});
			const res = await page.goto(`${base}/`, { waitUntil: "load" });
			eq(res.status(), 200, "iphone: / answers 200");
			eq(await page.getAttribute("body", "data-platform"), "ios", "iphone: page detects iOS");
			checkSections(await sections(page), "ios", "iphone");
			const qrShown = await page.locator("#qr, img[src='/qr.svg']").evaluateAll((els) =>
				els.some((el) => el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null));
			ok(!qrShown, "iphone: no QR code on the phone");
			const ua = await page.evaluate(() => navigator.userAgent);
			eq(ua, IOS_UA, "iphone: Chromium sends the iPhone Safari User-Agent");
			await checkFits(page, "iphone");

			await page.screenshot({ path: path.join(ARTIFACTS, "iphone.png"), fullPage: true });
			/* What the phone's screen shows first, for the README. */
			await page.screenshot({ path: path.join(ARTIFACTS, "iphone-screen.png"), fullPage: false });

			const link = page.locator("#ios a.btn").first();
			const href = await link.getAttribute("href");
			eq(href, "/ca-ios.mobileconfig",
				"iphone: the iOS section's button links the iPhone profile, signed or not");

			/* What Safari would get: the response to the tapped link. */
			let navResponse = null;
			const onResponse = (r) => {
				if (new URL(r.url()).pathname === href)
					navResponse = r;
			};
			page.on("response", onResponse);
			const [download] = await Promise.all([
				page.waitForEvent("download", { timeout: CHECK_TIMEOUT_MS }),
				link.tap(),
			]);
			const file = await download.path();
			const got = fs.readFileSync(file);
			page.off("response", onResponse);
			diag(`iphone: tapped ${href}: download "${download.suggestedFilename()}", ${got.length} bytes`);
			let headers = navResponse ? await navResponse.allHeaders() : null;
			if (headers === null) {
				/* No response event for a navigation that became a download:
				 * ask again with the same User-Agent. */
				diag("iphone: no response event for the download; asking with page.request");
				headers = (await page.request.get(`${base}${href}`)).headers();
			}
			ok(/^attachment/i.test(headers["content-disposition"] || ""),
				"iphone: the download is sent as an attachment", headers);
			if (href.endsWith(".mobileconfig")) {
				eq((headers["content-type"] || "").split(";")[0].trim(), "application/x-apple-aspen-config",
					"iphone: the profile's Content-Type is application/x-apple-aspen-config");
				ok(got.toString("latin1").replace(/\s+/g, "").includes(der.toString("base64")),
					"iphone: the profile carries the root from /ca.pem");
				ok(/<key>TargetDeviceType<\/key>\s*<integer>1<\/integer>/.test(got.toString("latin1")),
					"iphone: the profile is marked for iPhone and iPad (TargetDeviceType 1)");
			} else {
				eq((headers["content-type"] || "").split(";")[0].trim(), "application/x-x509-ca-cert",
					"iphone: the download's Content-Type is application/x-x509-ca-cert");
				ok(got.equals(der), "iphone: the download is the DER of /ca.pem's certificate",
					{ downloaded: got.length, der: der.length,
						head: got.subarray(0, 16).toString("hex") });
				ok(/\.(cer|crt|der)$/i.test(download.suggestedFilename()),
					"iphone: the file name ends in .cer", download.suggestedFilename());
			}
			await checkClean(page, w, "iphone");
			await context.close();
		}

		/* ---- each platform's first section, and the profile each Apple
		 * device is sent ---- */
		{
			const MAC_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 " +
				"(KHTML, like Gecko) Version/18.5 Safari/605.1.15";
			const devices = [
				/* Chromium's touch emulation does not report the iPad's
				 * touch points: this is the iPad without JavaScript's
				 * help, the Mac steps and the iPad steps both open. */
				{ label: "ipad", ua: MAC_UA, phone: true, first: "macos", also: ["ios"],
					profileIn: "ios", profile: ["/ca-ios.mobileconfig", 1] },
				{ label: "mac", ua: MAC_UA, phone: false, first: "macos", also: ["ios"],
					profile: ["/ca-mac.mobileconfig", 5] },
				{ label: "chromeos", ua: "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 " +
					"(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", phone: false, first: "chromeos", also: [] },
				{ label: "firefox-android", ua: "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0",
					phone: true, first: "firefox-android", also: ["android"] },
				{ label: "android", ua: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 " +
					"(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", phone: true, first: "android", also: [] },
				{ label: "windows-firefox", ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) " +
					"Gecko/20100101 Firefox/128.0", phone: false, first: "windows", also: [] },
				{ label: "linux", ua: LINUX_UA, phone: false, first: "linux", also: [] },
			];
			for (const d of devices) {
				const { context, page, w } = await newPage(browser, d.phone
					? { viewport: { width: d.label === "ipad" ? 820 : 412, height: d.label === "ipad" ? 1180 : 915 },
						deviceScaleFactor: 2, isMobile: true, hasTouch: true, userAgent: d.ua }
					: { viewport: { width: 1280, height: 900 }, userAgent: d.ua });
				const res = await page.goto(`${base}/`, { waitUntil: "load" });
				eq(res.status(), 200, `${d.label}: / answers 200`);
				checkSections(await sections(page), d.first, d.label, d.also);
				await checkFits(page, d.label);
				await page.screenshot({ path: path.join(ARTIFACTS, `${d.label}.png`), fullPage: false });
				if (d.profile) {
					const href = await page.locator(`#${d.profileIn || d.first} a[href$='.mobileconfig']`).first().getAttribute("href");
					eq(href, d.profile[0], `${d.label}: the first section links ${d.profile[0]}`);
					const r = await page.request.get(`${base}${href}`);
					const body = (await r.body()).toString("latin1");
					eq((r.headers()["content-type"] || "").split(";")[0].trim(), "application/x-apple-aspen-config",
						`${d.label}: the profile's Content-Type`);
					ok(new RegExp(`<key>TargetDeviceType</key>\\s*<integer>${d.profile[1]}</integer>`).test(body),
						`${d.label}: the profile is marked TargetDeviceType ${d.profile[1]}`);
				}
				await checkClean(page, w, d.label);
				await context.close();
			}
		}

		/* ---- desktop, Windows UA ---- */
		{
			const { context, page, w } = await newPage(browser, {
				viewport: { width: 1280, height: 900 }, userAgent: WINDOWS_UA,
			});
			const res = await page.goto(`${base}/`, { waitUntil: "load" });
			eq(res.status(), 200, "desktop: / answers 200");
			eq(await page.getAttribute("body", "data-platform"), "windows", "desktop: page detects Windows");
			checkSections(await sections(page), "windows", "desktop");
			await checkFits(page, "desktop");
			const qr = page.locator("#qr img[src='/qr.svg']");
			ok(await qr.isVisible(), "desktop: the QR code is shown");
			const img = await qr.evaluate((el) => ({ complete: el.complete, w: el.naturalWidth,
				h: el.naturalHeight, box: el.getBoundingClientRect().width }));
			ok(img.complete && img.w > 0 && img.h > 0 && img.box >= 100,
				"desktop: the QR image has loaded", img);
			const qrRes = await page.request.get(`${base}/qr.svg`);
			eq((qrRes.headers()["content-type"] || "").split(";")[0], "image/svg+xml",
				"desktop: /qr.svg is image/svg+xml");
			await page.screenshot({ path: path.join(ARTIFACTS, "desktop.png"), fullPage: true });
			await checkClean(page, w, "desktop");
			await context.close();
		}

		/* ---- trust check, root not trusted (Linux desktop UA) ---- */
		{
			const { context, page, w } = await newPage(browser, {
				viewport: { width: 1280, height: 900 }, userAgent: LINUX_UA,
			});
			await page.goto(`${base}/`, { waitUntil: "load" });
			checkSections(await sections(page), "linux", "untrusted");
			const urls = await page.$$eval("#check-list li[data-check-url]", (els) =>
				els.map((li) => li.getAttribute("data-check-url")));
			ok(urls.length === 1 && urls[0] === checkUrl,
				`untrusted: the check lists certpost's own ${checkUrl}`, urls);
			ok(await page.isVisible("#check-run"), "untrusted: the check button is shown");
			ok(await page.isHidden("#check-nojs"), "untrusted: the no-JavaScript note is hidden");
			let r = null;
			try {
				r = await runCheck(page);
			} catch (e) {
				ok(false, "untrusted: the check finishes", e.message);
			}
			if (r !== null) {
				ok(r.items.every((i) => i.state === "untrusted"), "untrusted: every item says untrusted", r);
				eq(r.summaryState, "untrusted", "untrusted: the summary says not trusted");
				diag(`untrusted: summary "${r.summary}"`);
				ok(r.adviceOther && !r.adviceIos, "untrusted: the desktop advice is shown", r);
			}
			await page.screenshot({ path: path.join(ARTIFACTS, "untrusted.png"), fullPage: false });
			await checkClean(page, w, "untrusted", { allowCertError: checkUrl });
			await context.close();
		}
		await browser.close();
		browsers.pop();

		/* ---- trust check, root trusted ---- */
		{
			const certutil = which("certutil");
			let env;
			const extra = [];
			if (certutil !== null) {
				const t = homeTrusting(pem, certutil);
				temps.push(t.home);
				diag(`trusted: demo root added to ${t.home}/.pki/nssdb with certutil -t C,,`);
				ok(/certpost demo root\s+C,,/.test(t.listed), "trusted: the NSS database lists the root as a trusted CA",
					t.listed);
				env = chromiumEnv(t.home);
			} else {
				/* Less faithful: trusts the leaf's key, not the root. */
				const spki = createHash("sha256")
					.update(leaf.publicKey.export({ type: "spki", format: "der" })).digest("base64");
				diag("trusted: certutil (Debian package libnss3-tools) not found; trusting the " +
					`leaf key with --ignore-certificate-errors-spki-list=${spki} instead`);
				const home = tempDir("spki");
				temps.push(home);
				env = chromiumEnv(home);
				extra.push(`--ignore-certificate-errors-spki-list=${spki}`);
			}
			const tb = await launch(env, extra);
			browsers.push(tb);
			const { context, page, w } = await newPage(tb, {
				viewport: { width: 390, height: 844 }, deviceScaleFactor: 3,
				isMobile: true, hasTouch: true, userAgent: IOS_UA,
			});
			await page.goto(`${base}/`, { waitUntil: "load" });
			let r = null;
			try {
				r = await runCheck(page);
			} catch (e) {
				ok(false, "trusted: the check finishes", e.message);
			}
			if (r !== null) {
				ok(r.items.length === 1 && r.items.every((i) => i.state === "trusted"),
					"trusted: every item says trusted", r);
				eq(r.summaryState, "trusted", "trusted: the summary's state is trusted");
				eq(r.summary, "This device trusts every server listed.", "trusted: the summary says so");
				ok(!r.adviceIos && !r.adviceOther, "trusted: no advice shown", r);
			}
			await page.locator("#check").scrollIntoViewIfNeeded();
			await page.screenshot({ path: path.join(ARTIFACTS, "trusted.png"), fullPage: false });
			await checkClean(page, w, "trusted");
			/* The success was reported: /metrics and the helpdesk's
			 * rollout table count this iPhone once. */
			let confirmed = -1;
			for (let i = 0; i < 50 && confirmed < 1; i++) {
				const m = await (await fetch(`${base}/metrics`)).text();
				const hit = /\ncertpost_trust_confirmed_total\{platform="ios"\} (\d+)/.exec(m);
				confirmed = hit ? Number(hit[1]) : -1;
				if (confirmed < 1)
					await new Promise((res) => setTimeout(res, 100));
			}
			eq(confirmed, 1, "trusted: /metrics counts one confirmed iPhone");
			await page.goto(`${base}/helpdesk`, { waitUntil: "load" });
			await page.waitForSelector('#rollout-table tr[data-platform="ios"]', { timeout: 5000 })
				.catch(() => {});
			const cells = await page.$$eval('#rollout-table tr[data-platform="ios"] td',
				(tds) => tds.map((td) => td.textContent));
			eq(cells[2], "1", "trusted: the helpdesk view shows the confirmation");
			await page.locator("#rollout").scrollIntoViewIfNeeded();
			await page.screenshot({ path: path.join(ARTIFACTS, "helpdesk-rollout.png"), fullPage: false });
			await checkClean(page, w, "helpdesk");
			await context.close();
		}
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
