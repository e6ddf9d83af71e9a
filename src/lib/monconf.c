/*
 * monconf.c - CONFDIR/monitor.conf.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "confine.h"
#include "fileread.h"
#include "monconf.h"
#include "paths.h"
#include "scalar.h"
#include "suggest.h"

static const char *const monconf_keys[] = {
	"MONPORT", "SLOTS", "VNC_LISTEN", "MONITOR", "RUNAS", NULL
};

static int
monconf_known(const char *key)
{
	size_t i;

	for (i = 0; monconf_keys[i] != NULL; i++)
		if (strcmp(key, monconf_keys[i]) == 0)
			return 1;
	return 0;
}

/* The seed's format: the first line holds nothing but the port. */
static int
bare_number_line(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && isdigit((unsigned char)s[i]))
		i++;
	if (i == 0)
		return 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == len || s[i] == '\n';
}

int
monconf_load(struct monconf *mc, const char *confdir, struct diag *d)
{
	long long slots = MONCONF_SLOTS, port = MONCONF_MONPORT;
	const struct cfg_entry *e;
	struct strbuf text;
	struct cfg cfg;
	char *path;
	int rc;

	mc->monport = MONCONF_MONPORT;
	mc->slots = MONCONF_SLOTS;
	mc->vnc_listen = xstrdup(MONCONF_VNC_LISTEN);
	mc->vnc_listen_line = 0;
	mc->unix_monitors = 0;
	mc->runas = xstrdup(CONFINE_USER);
	mc->runas_line = 0;
	path = path_join(confdir, "monitor.conf");
	sb_init(&text);
	rc = config_read(path, &text, 1, d);
	if (rc != 0) {
		free(path);
		sb_free(&text);
		return rc == 1 ? 0 : -1;
	}
	if (bare_number_line(text.s, text.len)) {
		struct strbuf fixed;

		sb_init(&fixed);
		sb_adds(&fixed, "MONPORT=");
		sb_add(&fixed, text.s, text.len);
		sb_free(&text);
		text = fixed;
	}
	rc = cfg_parse(&cfg, path, text.s, text.len, d);
	sb_free(&text);
	free(path);
	if (rc != 0) {
		cfg_free(&cfg);
		return -1;
	}
	cfg_warn_unknown(&cfg, monconf_known, monconf_keys, d);
	/* The last slot's CTLPORT, MONPORT + 100 + SLOTS - 1, is a port. */
	if (cfg_get_number(&cfg, "SLOTS", 1, MONCONF_SLOTS_MAX, &slots,
	    d) < 0 || cfg_get_number(&cfg, "MONPORT", 1024, 65535 + 1 -
	    MONCONF_SLOTS_MAX - slots, &port, d) < 0)
		rc = -1;
	mc->slots = (unsigned)slots;
	mc->monport = (unsigned)port;
	e = cfg_get(&cfg, "VNC_LISTEN");
	if (e != NULL && e->value[0] != '\0') {
		if (strpbrk(e->value, ", \t\n") != NULL) {
			diag_error(d, "%s:%u: VNC_LISTEN '%s' is not an "
			    "address", cfg.path, e->line, e->value);
			rc = -1;
		} else {
			free(mc->vnc_listen);
			mc->vnc_listen = xstrdup(e->value);
			mc->vnc_listen_line = e->line;
		}
	}
	e = cfg_get(&cfg, "MONITOR");
	if (e != NULL && strcmp(e->value, "unix") == 0)
		mc->unix_monitors = 1;
	else if (e != NULL && e->value[0] != '\0' &&
	    strcmp(e->value, "tcp") != 0) {
		diag_error(d, "%s:%u: MONITOR '%s' is not tcp or unix",
		    cfg.path, e->line, e->value);
		rc = -1;
	}
	e = cfg_get(&cfg, "RUNAS");
	if (e != NULL && e->value[0] != '\0') {
		if (strpbrk(e->value, ":, \t\n") != NULL) {
			diag_error(d, "%s:%u: RUNAS '%s' is not a user name",
			    cfg.path, e->line, e->value);
			rc = -1;
		} else {
			free(mc->runas);
			mc->runas = xstrdup(e->value);
			mc->runas_line = e->line;
		}
	}
	cfg_free(&cfg);
	return rc;
}

void
monconf_free(struct monconf *mc)
{
	free(mc->vnc_listen);
	mc->vnc_listen = NULL;
	free(mc->runas);
	mc->runas = NULL;
}
