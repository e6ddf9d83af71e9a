/* test_mac.c - MAC derivation (known vectors) and parsing */
#include "mac.h"
#include "unit.h"

TEST(mac_spec_vectors)
{
	char mac[MAC_STRLEN];

	mac_derive("web", "linux", 1, mac);
	CHECK_STR(mac, "DE:AD:BE:EF:93:34");
	mac_derive("web", "linux", 2, mac);
	CHECK_STR(mac, "DE:AD:BE:EF:93:7D");
	mac_derive("db", "", 1, mac);
	CHECK_STR(mac, "DE:AD:BE:EF:06:64");
}

TEST(mac_parse_checks_form_and_unicast)
{
	char mac[MAC_STRLEN];
	const char *why;

	CHECK(mac_parse("52:54:00:ab:cd:ef", mac, &why) == 0);
	CHECK_STR(mac, "52:54:00:AB:CD:EF");
	CHECK(mac_parse("01:00:5e:00:00:01", mac, &why) == -1);
	CHECK_STR(why, "a multicast address cannot be a NIC's");
	CHECK(mac_parse("52:54:00:ab:cd", mac, &why) == -1);
	CHECK(mac_parse("52-54-00-ab-cd-ef", mac, &why) == -1);
	CHECK(mac_parse("52:54:00:ab:cd:eg", mac, &why) == -1);
	CHECK(mac_parse("52:54:00:ab:cd:ef0", mac, &why) == -1);
}
