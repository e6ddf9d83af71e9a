/* fuzz_registry.c - libFuzzer target: the registry parser and lookup. */
#include <stddef.h>
#include <stdint.h>

#include "registry.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct registry reg;
	struct vm_ref ref;
	struct diag d;
	size_t i;

	diag_init(&d);
	registry_parse(&reg, "fuzz.reg", (const char *)data, len, &d);
	for (i = 0; i < reg.n; i++) {
		if (vm_resolve(&reg, reg.v[i].longname, &ref, &d) == 0)
			vm_ref_free(&ref);
	}
	registry_free(&reg);
	diag_clear(&d);
	return 0;
}
