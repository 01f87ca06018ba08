/* SPDX-License-Identifier: MIT */
/* Trust check: does this browser accept each internal HTTPS server? Also puts the iPad steps first on an iPad that says it is a Mac. */
(function () {
	"use strict";

	var TIMEOUT_MS = 5000;

	/* The words come from data-msg-* on #check, in the page's language;
	 * the English here is for a page without them. */
	var FALLBACK = {
		checking: "Checking…",
		trusted: "Trusted",
		untrusted: "Not trusted yet",
		all: "This device trusts every server listed.",
		some: "{bad} of {total} not trusted yet."
	};

	function msg(name) {
		var el = document.getElementById("check");
		var text = el ? el.getAttribute("data-msg-" + name) : null;

		return text || FALLBACK[name];
	}

	function platform() {
		return document.body.getAttribute("data-platform") || "other";
	}

	/* iPadOS 13+ Safari sends the macOS User-Agent; only touch tells. */
	function ipadAsMac() {
		return platform() === "macos" && navigator.maxTouchPoints > 1;
	}

	function isIos() {
		var p = platform();
		return p === "ios" || p === "ios-other" || p === "ios-chrome" || ipadAsMac();
	}

	function showIpadSteps() {
		var list = document.getElementById("steps-list");
		var ios = document.getElementById("ios");
		var mac = document.getElementById("macos");
		var qr = document.getElementById("qr");

		if (!list || !ios)
			return;
		list.insertBefore(ios, list.firstElementChild);
		ios.open = true;
		if (mac)
			mac.open = false;
		if (qr)
			qr.hidden = true;
	}

	function setState(li, state, text) {
		var out = li.querySelector(".check-result");

		li.setAttribute("data-state", state);
		if (out)
			out.textContent = text;
	}

	/* An opaque no-cors answer is enough: the TLS handshake succeeded.
	 * A certificate the browser does not trust rejects the promise. */
	function probe(li) {
		var url = li.getAttribute("data-check-url");
		var ctl = typeof AbortController === "function" ? new AbortController() : null;
		var timer = null;
		var opts = { mode: "no-cors", cache: "no-store", credentials: "omit" };

		setState(li, "checking", msg("checking"));
		if (ctl) {
			opts.signal = ctl.signal;
			timer = setTimeout(function () { ctl.abort(); }, TIMEOUT_MS);
		}
		return fetch(url, opts).then(function () {
			setState(li, "trusted", msg("trusted"));
			return true;
		}, function () {
			setState(li, "untrusted", msg("untrusted"));
			return false;
		}).then(function (ok) {
			if (timer !== null)
				clearTimeout(timer);
			return ok;
		});
	}

	/* Tells certpost this device now trusts the CA, for the helpdesk's
	 * rollout count: no identifier, no cookie, counted once a day per
	 * source. A POST from this page (the browser adds Origin): another
	 * site's page cannot send one that counts. A failure changes nothing
	 * for the user. */
	function confirmTrust() {
		fetch("/trust/confirm", { method: "POST", cache: "no-store", credentials: "omit" })
			.catch(function () {});
	}

	function run(button) {
		var items = document.querySelectorAll("#check-list li[data-check-url]");
		var summary = document.getElementById("check-summary");
		var adviceIos = document.getElementById("check-advice-ios");
		var adviceOther = document.getElementById("check-advice-other");
		var probes = [];
		var i;

		button.disabled = true;
		adviceIos.hidden = adviceOther.hidden = true;
		summary.textContent = msg("checking");
		for (i = 0; i < items.length; i++)
			probes.push(probe(items[i]));
		Promise.all(probes).then(function (results) {
			var bad = results.filter(function (ok) { return !ok; }).length;

			summary.textContent = bad === 0
				? msg("all")
				: msg("some").replace("{bad}", String(bad))
					.replace("{total}", String(results.length));
			summary.setAttribute("data-state", bad === 0 ? "trusted" : "untrusted");
			if (bad > 0)
				(isIos() ? adviceIos : adviceOther).hidden = false;
			else
				confirmTrust();
			button.disabled = false;
		});
	}

	function init() {
		var button = document.getElementById("check-run");
		var nojs = document.getElementById("check-nojs");

		if (ipadAsMac())
			showIpadSteps();
		if (!button || typeof fetch !== "function" || typeof Promise !== "function")
			return;
		if (nojs)
			nojs.hidden = true;
		button.hidden = false;
		button.addEventListener("click", function () { run(button); });
	}

	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", init);
	else
		init();
}());
