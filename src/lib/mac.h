/*
 * mac.h - the MAC address of a VM's NIC (qemu-init.cfg(5), MACx):
 * DE:AD:BE:EF plus 16 bits of FNV-1a over NAME, OS and the NIC's number.
 */
#ifndef QI_MAC_H
#define QI_MAC_H

#define MAC_STRLEN	18	/* "DE:AD:BE:EF:12:34" and its NUL */

void	mac_derive(const char *name, const char *os, unsigned nic,
	    char out[MAC_STRLEN]);
/* Six hex pairs separated by ':', unicast; normalised to upper case. */
int	mac_parse(const char *, char out[MAC_STRLEN], const char **why);

#endif
