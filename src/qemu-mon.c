/* placeholder, replaced by the monitor client work */
#include <stdio.h>
int main(void) { fputs("usage: qemu-mon vm\n", stderr); return 64; }
