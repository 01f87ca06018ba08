/* SPDX-License-Identifier: MIT */
/* The rollout table of the helpdesk view and /admin: downloads and trust confirmations by platform, from /helpdesk/rollout.json, with whose counts they are and since when. */
(function () {
	"use strict";

	function cell(row, text) {
		var td = document.createElement("td");

		td.textContent = text;
		row.appendChild(td);
	}

	/* The sentences come from data-msg-* on #rollout-note, in the page's
	 * language; the English here is for a page without them (/admin). */
	var FALLBACK = {
		counted: "Counted by {instance} since {since}. Where several " +
			"instances run behind one name, each counts its own: " +
			"only /metrics summed across them is the total.",
		full: "Today's table is full ({sources} sources): " +
			"{not_counted} confirmations were not counted."
	};

	function msg(el, name) {
		return el.getAttribute("data-msg-" + name) || FALLBACK[name];
	}

	/* Each {name} in text replaced by vars[name], once, left to right:
	 * a value that itself reads {since} is not replaced again. */
	function fillIn(text, vars) {
		return text.replace(/\{([a-z_]+)\}/g, function (all, name) {
			return Object.prototype.hasOwnProperty.call(vars, name)
				? String(vars[name]) : all;
		});
	}

	/* Which instance counted, since when, and whether today's table is
	 * full: said in words, not only in /metrics. */
	function note(data) {
		var el = document.getElementById("rollout-note");
		var text;

		if (!el || !data.instance)
			return;
		text = fillIn(msg(el, "counted"), {
			instance: data.instance,
			since: String(data.since).replace("T", " ").replace("Z", " UTC")
		});
		if (data.table_full)
			text += " " + fillIn(msg(el, "full"), {
				sources: data.sources_per_day,
				not_counted: data.not_counted
			});
		el.textContent = text;
		el.setAttribute("data-full", data.table_full ? "yes" : "no");
	}

	function fill(data) {
		var body = document.querySelector("#rollout-table tbody");
		var i, p, row;

		if (!body || !data || !data.platforms)
			return;
		note(data);
		while (body.firstChild)
			body.removeChild(body.firstChild);
		for (i = 0; i < data.platforms.length; i++) {
			p = data.platforms[i];
			row = document.createElement("tr");
			row.setAttribute("data-platform", p.platform);
			/* The name the page uses for the platform, from the server. */
			cell(row, p.name || p.platform);
			cell(row, String(p.downloads));
			cell(row, String(p.confirmed));
			body.appendChild(row);
		}
	}

	function load() {
		if (typeof fetch !== "function")
			return;
		fetch("/helpdesk/rollout.json", { cache: "no-store", credentials: "omit" })
			.then(function (r) { return r.ok ? r.json() : null; })
			.then(fill, function () {});
	}

	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", load);
	else
		load();
}());
