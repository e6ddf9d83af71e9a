/* placeholder, replaced by the monitor client work */
#include <stdio.h>
int main(void) { fputs("usage: qemu-init ACTION [options] vm...\n", stderr); return 64; }
