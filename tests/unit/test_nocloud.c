/* test_nocloud.c - the NoCloud seed: its texts, its ISO 9660 volume
 * (read back, the same bytes each time, bounded reads of any bytes),
 * and the public key check */
#include <string.h>

#include "buf.h"
#include "nocloud.h"
#include "unit.h"

static const struct nocloud seed = {
	"web-0001", "web", "admin",
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq9 me@host \"quoted\"\n",
	NULL, NULL, NULL
};

TEST(nocloud_texts_quote_every_value)
{
	struct strbuf meta, user, net;

	sb_init(&meta);
	sb_init(&user);
	sb_init(&net);
	nocloud_texts(&seed, &meta, &user, &net);
	CHECK_STR(meta.s, "instance-id: \"web-0001\"\n"
	    "local-hostname: \"web\"\n");
	CHECK(strncmp(user.s, "#cloud-config\n", 14) == 0);
	CHECK(strstr(user.s, "  - name: \"admin\"\n") != NULL);
	CHECK(strstr(user.s, "      - \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"
	    "IGq9 me@host \\\"quoted\\\"\"\n") != NULL);
	CHECK(net.len == 0);
	sb_free(&meta);
	sb_free(&user);
	sb_free(&net);
}

TEST(nocloud_network_config_for_a_static_address)
{
	struct nocloud nc = seed;
	struct strbuf meta, user, net;

	nc.address = "198.18.0.10/24";
	nc.gateway = "198.18.0.1";
	nc.mac = "DE:AD:BE:EF:93:34";
	sb_init(&meta);
	sb_init(&user);
	sb_init(&net);
	nocloud_texts(&nc, &meta, &user, &net);
	CHECK(strstr(net.s, "macaddress: \"de:ad:be:ef:93:34\"") != NULL);
	CHECK(strstr(net.s, "      - \"198.18.0.10/24\"\n") != NULL);
	CHECK(strstr(net.s, "gateway4: \"198.18.0.1\"") != NULL);
	sb_free(&meta);
	sb_free(&user);
	sb_free(&net);
}

TEST(nocloud_iso_reads_back_and_is_the_same_each_time)
{
	struct seed_file f[3] = {
		{ "user-data", "#cloud-config\n", 14 },
		{ "meta-data", "instance-id: x\n", 15 },
		{ "network-config", "", 0 }
	};
	struct strbuf a, b, got;
	const char *why;

	sb_init(&a);
	sb_init(&b);
	sb_init(&got);
	CHECK(nocloud_iso(f, 3, NOCLOUD_LABEL, &a, &why) == 0);
	CHECK(nocloud_iso(f, 3, NOCLOUD_LABEL, &b, &why) == 0);
	CHECK(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
	CHECK(a.len % NOCLOUD_SECTOR == 0);
	CHECK(memcmp(a.s + 16 * 2048 + 1, "CD001", 5) == 0);
	CHECK(memcmp(a.s + 16 * 2048 + 40, "cidata ", 7) == 0);
	CHECK(nocloud_iso_read(a.s, a.len, "meta-data", &got, &why) == 0);
	CHECK_STR(got.s, "instance-id: x\n");
	sb_reset(&got);
	CHECK(nocloud_iso_read(a.s, a.len, "user-data", &got, &why) == 0);
	CHECK_STR(got.s, "#cloud-config\n");
	sb_reset(&got);
	CHECK(nocloud_iso_read(a.s, a.len, "vendor-data", &got, &why) == -1);
	CHECK_STR(why, "no such file on the volume");
	/* Any bytes are read within their bounds. */
	CHECK(nocloud_iso_read(a.s, 18 * 2048, "meta-data", &got, &why) ==
	    -1);
	memset(a.s + 17 * 2048 + 156 + 2, 0xff, 4);
	CHECK(nocloud_iso_read(a.s, a.len, "meta-data", &got, &why) == -1);
	sb_free(&a);
	sb_free(&b);
	sb_free(&got);
}

TEST(nocloud_iso_refuses_what_it_cannot_write)
{
	struct seed_file f[2] = {
		{ "meta-data", "", 0 }, { "meta-dat", "", 0 }
	};
	struct seed_file bad = { "a/b", "", 0 };
	struct strbuf out;
	const char *why;

	sb_init(&out);
	CHECK(nocloud_iso(f, 2, NOCLOUD_LABEL, &out, &why) == -1);
	CHECK(nocloud_iso(&bad, 1, NOCLOUD_LABEL, &out, &why) == -1);
	CHECK(nocloud_iso(f, 1, "a label far too long", &out, &why) == -1);
	CHECK(out.len == 0);
	sb_free(&out);
}

TEST(nocloud_public_keys_are_told_from_other_files)
{
	const char *why, *priv = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n";
	const char *ok = "# mine\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq9 a@b\n"
	    "\necdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAA\n";

	CHECK(nocloud_public_keys(ok, strlen(ok), &why) == 1);
	CHECK(nocloud_public_keys(priv, strlen(priv), &why) == 0);
	CHECK_STR(why, "it is a private key (give the .pub file beside it)");
	CHECK(nocloud_public_keys("hello world\n", 12, &why) == 0);
	CHECK(nocloud_public_keys("", 0, &why) == 0);
	CHECK_STR(why, "it holds no key");
	CHECK(nocloud_public_keys("ssh-rsa\n", 8, &why) == 0);
	CHECK(nocloud_public_keys("ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB\r\n", 34,
	    &why) == 0);
}
