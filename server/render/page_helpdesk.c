/* SPDX-License-Identifier: MIT */
/* The helpdesk view: in the helpdesk's language, with the message to send
 * in every language served (the text, a mailto: link, the draft e-mail,
 * the QR code of the page in that language). */
#include <string.h>

#include "page_int.h"

int
page_helpdesk_text(const struct page_site *site, size_t lang,
		   struct buf *subject, struct buf *body, char *err,
		   size_t errlen)
{
	struct page_words w;

	if (lang >= site->nlang) {
		err_set(err, errlen, "no such language");
		return -1;
	}
	w = (struct page_words){site->langs[lang], site->english};
	return page_helpdesk_message(site, page_org_name(site), &w, lang,
				     subject, body, err, errlen);
}

/*
 * One language's message, as the helpdesk sends it: the link, the QR
 * code, the draft e-mail, a mailto: link and the text to copy, in that
 * language; what the block says around them is in the helpdesk's. The
 * default language's keeps the addresses there were before languages
 * (/helpdesk/email.eml, /qr.svg, the textarea "message") and links the
 * plain address, where the visitor's browser chooses; the others link
 * the page in their language.
 */
static int
helpdesk_message(struct render *r, size_t lang, struct buf *out)
{
	const struct page_site *s = r->site;
	const char *tag = s->langs[lang]->tag;
	bool one = s->nlang == 1, dflt = lang == s->default_lang;
	bool url = s->public_url != NULL && *s->public_url;
	struct buf subject = {0}, text = {0}, mailto = {0}, link = {0};
	struct buf id = {0};
	int ret = -1;

	if (page_helpdesk_text(s, lang, &subject, &text, r->err, r->errlen) ==
	    -1)
		goto out;
	if (buf_puts(&mailto, "mailto:?subject=") == -1 ||
	    page_pct(&mailto, subject.data) == -1 ||
	    buf_puts(&mailto, "&body=") == -1 ||
	    page_pct(&mailto, text.data) == -1 ||
	    (one || dflt ? buf_puts(&link, url ? s->public_url : "")
	     : url	 ? page_lang_url(s, lang, &link)
			 : buf_puts(&link, "")) == -1 ||
	    buf_puts(&id, dflt ? "message" : "message-") == -1 ||
	    (!dflt && buf_puts(&id, tag) == -1))
		goto nomem;
	page_var_set(r, "language", page_lang_name(s->langs[lang]), false);
	page_var_set(r, "message_lang", tag, false);
	page_var_set(r, "message_id", id.data, false);
	page_var_set(r, "message_link", link.data != NULL ? link.data : "",
		     false);
	page_var_set(r, "message", text.data, false);
	page_var_set(r, "mailto", mailto.data, false);
	page_var_set(r, "message_open", lang == r->lang ? " open" : "", true);
	page_var_set(r, "message_eml", dflt ? "email" : "email-", false);
	page_var_set(r, "message_suffix", dflt ? "" : tag, false);
	page_var_tmpl(
		r, "message_url",
		url ? "<p class=\"url\" lang=\"{{message_lang}}\"><a "
		      "href=\"{{message_link}}\">{{message_link}}</a></p>\n"
		    : "");
	if (!url)
		page_var_set(r, "message_qr_img", "", true);
	else if (dflt)
		page_var_tmpl(
			r, "message_qr_img",
			"<img class=\"qr\" src=\"/qr.svg\" width=\"160\" "
			"height=\"160\" alt=\"{{p.helpdesk.qr_alt}}\">\n");
	else
		page_var_tmpl(
			r, "message_qr_img",
			"<img class=\"qr\" src=\"/helpdesk/qr-{{message_lang}}"
			".svg\" width=\"160\" height=\"160\" "
			"alt=\"{{p.helpdesk.qr_alt}}\">\n");
	ret = page_render_file(r, one ? "message.html" : "message-lang.html",
			       out);
	goto out;
nomem:
	err_set(r->err, r->errlen, "out of memory");
out:
	/* The values live in the buffers freed below: no later template
	 * (an admin's helpdesk.html naming them) may see them. */
	page_var_set(r, "message_id", "", false);
	page_var_set(r, "message_link", "", false);
	page_var_set(r, "message", "", false);
	page_var_set(r, "mailto", "", false);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&mailto);
	buf_free(&link);
	buf_free(&id);
	return ret;
}

int
page_render_helpdesk(page_lookup_fn lookup, void *ctx,
		     const struct page_site *site, size_t lang,
		     struct page_cache *cache, struct buf *out, char *err,
		     size_t errlen)
{
	struct render r;
	size_t i;
	int ret = -1;

	if (site == NULL || out == NULL) {
		err_set(err, errlen, "no site");
		return -1;
	}
	if (page_render_init(&r, lookup, ctx, site, PAGE_OTHER, lang, err,
			     errlen) == -1)
		goto out;
	r.cache = cache;
	/* The helpdesk's own language first, then the others. */
	if (helpdesk_message(&r, lang, &r.msgs) == -1)
		goto out;
	for (i = 0; i < site->nlang; i++)
		if (i != lang && helpdesk_message(&r, i, &r.msgs) == -1)
			goto out;
	page_var_set(&r, "messages", r.msgs.data, true);
	ret = page_render_page(&r, "helpdesk.html", out);
out:
	page_render_free(&r);
	return ret;
}
