/* test_jsonw.c - writing JSON documents that the reader reads back */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "unit.h"

TEST(jsonw_writes_a_document_json_reads)
{
	struct jsonw w;
	struct json j;
	const struct json *vms, *vm;
	const char *why = NULL;
	char *doc;

	jsonw_init(&w);
	jsonw_object(&w, NULL);
	jsonw_array(&w, "vms");
	jsonw_object(&w, NULL);
	jsonw_string(&w, "name", "we\"b\\\n\x01");
	jsonw_number(&w, "pid", -42);
	jsonw_bool(&w, "on", 1);
	jsonw_null(&w, "vnc");
	jsonw_string(&w, "desc", NULL);
	jsonw_array(&w, "none");
	jsonw_end(&w);
	jsonw_end(&w);
	jsonw_end(&w);
	jsonw_end(&w);
	doc = jsonw_detach(&w);
	CHECK(doc[strlen(doc) - 1] == '\n');
	CHECK(json_parse(&j, doc, strlen(doc), &why) == 0);
	vms = json_get(&j, "vms");
	CHECK(vms != NULL && vms->type == JSON_ARRAY && vms->n == 1);
	if (vms != NULL && vms->n == 1) {
		vm = &vms->items[0];
		CHECK_STR(json_get_string(vm, "name"), "we\"b\\\n\x01");
		CHECK(json_get(vm, "pid")->type == JSON_NUMBER);
		CHECK_STR(json_get(vm, "pid")->text, "-42");
		CHECK(json_get(vm, "on")->type == JSON_TRUE);
		CHECK(json_get(vm, "vnc")->type == JSON_NULL);
		CHECK(json_get(vm, "desc")->type == JSON_NULL);
		CHECK(json_get(vm, "none")->type == JSON_ARRAY &&
		    json_get(vm, "none")->n == 0);
	}
	json_free(&j);
	free(doc);
	jsonw_free(&w);
}

TEST(jsonw_closes_what_is_open)
{
	struct jsonw w;
	char *doc;

	jsonw_init(&w);
	jsonw_object(&w, NULL);
	jsonw_array(&w, "a");
	jsonw_number(&w, NULL, 1);
	doc = jsonw_detach(&w);
	CHECK_STR(doc, "{\n  \"a\": [\n    1\n  ]\n}\n");
	free(doc);
	jsonw_free(&w);
}

TEST(utf8_repair_keeps_valid_text_and_replaces_bytes)
{
	char *s;

	s = utf8_repair("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK_STR(s, "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
	free(s);
	/* Latin-1, an overlong '/', a surrogate, a cut sequence. */
	s = utf8_repair("\xe9t\xc0\xaf\xed\xa0\x80x\xe2\x82");
	CHECK_STR(s, "\xef\xbf\xbdt\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
}
