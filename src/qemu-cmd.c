/* placeholder, replaced by the monitor client work */
#include <stdio.h>
int main(void) { fputs("usage: qemu-cmd [-c CMD]... [-j JSON] [-t SECS] vm\n", stderr); return 64; }
