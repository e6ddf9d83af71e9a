/* fuzz_qmp.c - libFuzzer target: the JSON parser that reads QMP replies,
 * the lookups the QMP client makes in what it parsed, the check of a
 * command before it is sent, and quoting: every string read must quote
 * (it is UTF-8) and read back the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "qmp.h"

/* A string read from JSON quotes, and reads back as itself. */
static void
round_trip(const char *s)
{
	struct strbuf sb;
	struct json back;
	const char *why;

	sb_init(&sb);
	if (json_quote(&sb, s) != 0 ||
	    json_parse(&back, sb.s, sb.len, &why) != 0)
		abort();
	if (back.type != JSON_STRING || strcmp(back.text, s) != 0)
		abort();
	json_free(&back);
	sb_free(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct json *ret, *err;
	struct diag d;
	struct json j;
	const char *why, *s;
	char *text;

	(void)json_utf8_valid((const char *)data, len);
	text = xstrndup((const char *)data, len);
	diag_init(&d);
	(void)qmp_command_check(text, &d);
	diag_clear(&d);
	free(text);
	if (json_parse(&j, (const char *)data, len, &why) != 0)
		return 0;
	ret = json_get(&j, "return");
	err = json_get(&j, "error");
	(void)json_get_string(ret, "name");
	(void)json_get_string(ret, "status");
	(void)json_get_string(err, "desc");
	(void)json_get_string(&j, "event");
	(void)json_get_string(&j, "id");
	if ((s = json_get_string(&j, "return")) != NULL)
		round_trip(s);
	if ((s = json_get_string(ret, "name")) != NULL)
		round_trip(s);
	json_free(&j);
	return 0;
}
