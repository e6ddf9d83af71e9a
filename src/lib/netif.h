/*
 * netif.h - a VM's tap on a host bridge (qemu-netif(8)): names, the bridge to
 * use, what sysfs says about an interface, and `ip link` to attach and
 * release a tap.
 */
#ifndef QI_NETIF_H
#define QI_NETIF_H

#include "diag.h"

/* The environment variable qemu-init sets for QEMU's tap scripts. */
#define NETIF_BRIDGE_ENV	"QEMU_INIT_BRIDGE"
#define NETIF_BRIDGE_DEFAULT	"br0"

/*
 * 1 when name can be a Linux interface name: 1-15 printable ASCII
 * characters, no '/', ':' or white space, not "." or "..".  Else 0, and
 * why in d.
 */
int	netif_name_valid(const char *name, struct diag *d);

/* arg when set, else env (QEMU_INIT_BRIDGE's value) when set, else br0. */
const char *netif_bridge_choose(const char *arg, const char *env);

/*
 * 1 when name is a bridge.  Otherwise the reason is in d, and the result
 * is 0 when name exists but is not a bridge, -1 when it does not exist
 * (or cannot be looked at).
 */
int	netif_is_bridge(const char *name, struct diag *d);

/* The MTU of interface name; 0, or -1 and why in d. */
int	netif_mtu(const char *name, unsigned *mtu, struct diag *d);

/*
 * Gives tap ifname the MTU of bridge, enslaves it to bridge and brings
 * it up, with `ip link`.  0, or -1 and why in d (ip's own message when
 * ip fails).  An interface that is not a tap (sysfs tun_flags with
 * IFF_TAP) is refused before anything runs.
 */
int	netif_up(const char *ifname, const char *bridge, struct diag *d);

/*
 * Creates tap ifname (with virtio's header, which QEMU uses when the
 * tap has it), gives it bridge's MTU, enslaves it and brings it up: the
 * tap a VM's QEMU is handed as a descriptor, so that QEMU needs neither
 * /dev/net/tun nor a script.  The tap exists as long as a descriptor of
 * it is open: QEMU's exit removes it from the bridge and the host.  The
 * descriptor (close-on-exec), or -1 and why in d.
 */
int	netif_tap_create(const char *ifname, const char *bridge,
	    struct diag *d);

/*
 * Brings tap ifname down and releases it from its bridge.  A tap that
 * is already gone is not an error: QEMU runs its down script while it
 * tears the tap down.  An interface that is not a tap is refused before
 * anything runs.  bridge may be NULL; when given it is only checked.
 */
int	netif_down(const char *ifname, const char *bridge, struct diag *d);

/*
 * Where interfaces are looked up: /sys/class/net unless a test points
 * it at a folder of its own.
 */
void	netif_set_sysfs(const char *dir);

#endif
