/* SPDX-License-Identifier: MIT */
/* The helpdesk view's rollout table: downloads and trust confirmations by platform, from /helpdesk/rollout.json. */
(function () {
	"use strict";

	function cell(row, text) {
		var td = document.createElement("td");

		td.textContent = text;
		row.appendChild(td);
	}

	function fill(data) {
		var body = document.querySelector("#rollout-table tbody");
		var i, p, row;

		if (!body || !data || !data.platforms)
			return;
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
