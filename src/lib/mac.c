/*
 * mac.c - derived and configured MAC addresses.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mac.h"

#define FNV_BASIS	2166136261u
#define FNV_PRIME	16777619u

static uint32_t
fnv1a(uint32_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	while (n-- > 0) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

void
mac_derive(const char *name, const char *os, unsigned nic,
    char out[MAC_STRLEN])
{
	char num[16];
	uint32_t h;
	unsigned v;

	/* NAME NUL OS NUL x: the NULs keep ("ab","c") apart from ("a","bc"). */
	snprintf(num, sizeof(num), "%u", nic);
	h = fnv1a(FNV_BASIS, name, strlen(name) + 1);
	h = fnv1a(h, os, strlen(os) + 1);
	h = fnv1a(h, num, strlen(num));
	v = (h >> 16) ^ (h & 0xffff);
	snprintf(out, MAC_STRLEN, "DE:AD:BE:EF:%02X:%02X", v >> 8, v & 0xff);
}

int
mac_parse(const char *s, char out[MAC_STRLEN], const char **why)
{
	size_t i;

	*why = "expected six hex pairs like 52:54:00:12:34:56";
	if (strlen(s) != MAC_STRLEN - 1)
		return -1;
	for (i = 0; i < MAC_STRLEN - 1; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)toupper((unsigned char)s[i]);
	}
	out[i] = '\0';
	/* The low bit of the first octet marks a multicast address. */
	if (strchr("13579BDF", out[1]) != NULL) {
		*why = "a multicast address cannot be a NIC's";
		return -1;
	}
	return 0;
}
