/* placeholder, replaced by the monitor client work */
#include <stdio.h>
int main(void) { fputs("usage: qemu-netif up|down IFNAME [BRIDGE]\n", stderr); return 64; }
