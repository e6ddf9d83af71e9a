/* fuzz_qmp.c - libFuzzer target: the JSON parser that reads QMP replies,
 * and the lookups the QMP client makes in what it parsed. */
#include <stddef.h>
#include <stdint.h>

#include "json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct json *ret, *err;
	struct strbuf sb;
	struct json j;
	const char *why, *s;

	if (json_parse(&j, (const char *)data, len, &why) != 0)
		return 0;
	ret = json_get(&j, "return");
	err = json_get(&j, "error");
	(void)json_get_string(ret, "name");
	(void)json_get_string(ret, "status");
	(void)json_get_string(err, "desc");
	(void)json_get_string(&j, "event");
	s = json_get_string(&j, "return");
	if (s != NULL) {
		/* What qmp_hmp would send back if it were a command line. */
		sb_init(&sb);
		(void)json_quote(&sb, s);
		sb_free(&sb);
	}
	json_free(&j);
	return 0;
}
