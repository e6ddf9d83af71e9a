/* test_usernet.c - passt's command line (the loopback forwards, the
 * gateway kept off the host's loopback) and FWDx parsing */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "usernet.h"
#include "vmconf.h"
#include "unit.h"

TEST(usernet_argv_binds_forwards_to_the_loopback_only)
{
	struct vm_forward fwd[2] = { { 2222, 22 }, { 8080, 80 } };
	struct vm_nic nic;
	struct strvec av;
	char *text;

	memset(&nic, 0, sizeof(nic));
	nic.net = NET_USER;
	nic.fwd = fwd;
	nic.nfwd = 2;
	sv_init(&av);
	usernet_argv(&nic, &av);
	CHECK(av.n == 10);
	if (av.n == 10) {
		CHECK_STR(av.v[0], "passt");
		CHECK_STR(av.v[3], "--no-map-gw");
		CHECK_STR(av.v[4], "--fd");
		CHECK_STR(av.v[5], "3");
		CHECK_STR(av.v[7], "127.0.0.1/2222:22");
		CHECK_STR(av.v[9], "127.0.0.1/8080:80");
	}
	text = usernet_forwards_text(&nic);
	CHECK_STR(text, "2222:22 8080:80");
	free(text);
	sv_free(&av);
}

TEST(vmconf_forwards_parse_and_bounds)
{
	struct vm_forward *v;
	const char *why;
	size_t n;

	CHECK(vmconf_forwards(" 2222:22\t8080:80 ", &v, &n, &why) == 0);
	CHECK(n == 2 && v[0].host == 2222 && v[1].guest == 80);
	free(v);
	CHECK(vmconf_forwards("", &v, &n, &why) == 0 && n == 0);
	CHECK(vmconf_forwards("2222", &v, &n, &why) == -1);
	CHECK(vmconf_forwards("0:22", &v, &n, &why) == -1);
	CHECK(vmconf_forwards("2222:65536", &v, &n, &why) == -1);
	CHECK(vmconf_forwards("127.0.0.1:2222:22", &v, &n, &why) == -1);
	CHECK(vmconf_forwards("2222:22,8080:80", &v, &n, &why) == -1);
	CHECK(v == NULL && n == 0);
}
