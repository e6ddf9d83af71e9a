/*
 * netif.c - a VM's tap on a host bridge.  What an interface is comes
 * from sysfs; changes go through iproute2's `ip`, run with an argument
 * vector (never a shell), so we need no netlink code of our own.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/if_tun.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "netif.h"
#include "proc.h"

/* IFNAMSIZ less its NUL. */
#define NAME_MAX_LEN	15
/* Longest name shown in a message: the rest is cut off. */
#define SHOW_MAX	40
/* A sysfs attribute fits in a page; refuse anything bigger. */
#define ATTR_MAX	4096
/* IFF_TAP of <linux/if_tun.h>, as sysfs shows it in tun_flags. */
#define IFF_TAP_FLAG	0x0002

static const char *sysfs = "/sys/class/net";

void
netif_set_sysfs(const char *dir)
{
	sysfs = dir;
}

static char *
shown(const char *name)
{
	return diag_escape(name, SHOW_MAX);
}

static const char *
name_problem(const char *name)
{
	const unsigned char *p;

	if (*name == '\0')
		return "it is empty";
	if (strlen(name) > NAME_MAX_LEN)
		return "longer than 15 characters";
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "'.' and '..' are not interface names";
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p == '/')
			return "it contains '/'";
		/* The kernel refuses ':', the old alias syntax, too. */
		if (*p == ':')
			return "it contains ':'";
		if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
			return "it contains white space";
		if (*p < 0x21 || *p > 0x7e)
			return "it contains a non-printable character";
	}
	return NULL;
}

int
netif_name_valid(const char *name, struct diag *d)
{
	const char *why = name_problem(name);
	char *s;

	if (why == NULL)
		return 1;
	s = shown(name);
	diag_error(d, "bad interface name '%s': %s", s, why);
	free(s);
	return 0;
}

const char *
netif_bridge_choose(const char *arg, const char *env)
{
	if (arg != NULL && *arg != '\0')
		return arg;
	if (env != NULL && *env != '\0')
		return env;
	return NETIF_BRIDGE_DEFAULT;
}

/* SYSFS/name or SYSFS/name/leaf; name must be valid.  Caller frees. */
static char *
iface_path(const char *name, const char *leaf)
{
	if (leaf == NULL)
		return xasprintf("%s/%s", sysfs, name);
	return xasprintf("%s/%s/%s", sysfs, name, leaf);
}

/* 1 when interface name exists, 0 when not, -1 (why in d) cannot tell. */
static int
iface_exists(const char *name, struct diag *d)
{
	struct stat st;
	char *path;
	int rc;

	/* Without sysfs every interface would look missing: say so instead. */
	if (stat(sysfs, &st) == -1) {
		diag_error(d, "cannot read %s: %s", sysfs, strerror(errno));
		return -1;
	}
	path = iface_path(name, NULL);
	if (stat(path, &st) == 0)
		rc = 1;
	else if (errno == ENOENT)
		rc = 0;
	else {
		diag_error(d, "cannot read %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(path);
	return rc;
}

int
netif_is_bridge(const char *name, struct diag *d)
{
	struct stat st;
	char *path;
	int rc;

	if (!netif_name_valid(name, d))
		return -1;
	if ((rc = iface_exists(name, d)) == 0)
		diag_error(d, "bridge '%s' does not exist", name);
	if (rc != 1)
		return -1;
	path = iface_path(name, "bridge");
	if ((rc = stat(path, &st)) == 0 && S_ISDIR(st.st_mode))
		rc = 1;
	else if (rc == 0 || errno == ENOENT || errno == ENOTDIR) {
		diag_error(d, "'%s' is not a bridge", name);
		rc = 0;
	} else {
		diag_error(d, "cannot read %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(path);
	return rc;
}

/* The whole of a small file into sb; -1 with errno set on failure. */
static int
read_attr(const char *path, struct strbuf *sb)
{
	char buf[512];
	ssize_t n;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb_add(sb, buf, (size_t)n);
		if (sb->len > ATTR_MAX) {
			n = -1;
			errno = EFBIG;
			break;
		}
	}
	e = errno;
	/* Opened read-only: close cannot lose anything. */
	(void)close(fd);
	errno = e;
	return n == 0 ? 0 : -1;
}

/*
 * 1 when interface name is a tap: its tun_flags has IFF_TAP.  0 when it
 * is not (a physical NIC, a bridge, a tun device, ...) or is gone, -1
 * when that cannot be told; why in d either way.
 */
static int
iface_is_tap(const char *name, struct diag *d)
{
	struct strbuf sb;
	char *path;
	int rc = 0;

	path = iface_path(name, "tun_flags");
	sb_init(&sb);
	if (read_attr(path, &sb) == 0)
		rc = (strtoul(sb.s != NULL ? sb.s : "", NULL, 16) &
		    IFF_TAP_FLAG) != 0;
	else if (errno != ENOENT) {
		diag_error(d, "cannot read %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == 0)
		diag_error(d, "'%s' is not a tap: refused", name);
	sb_free(&sb);
	free(path);
	return rc;
}

/* "1500\n" -> 1500; -1 when it is not a positive decimal number. */
static int
parse_mtu(const char *s, unsigned *mtu)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || v == 0 || v > UINT_MAX)
		return -1;
	if (*end == '\n')
		end++;
	if (*end != '\0')
		return -1;
	*mtu = (unsigned)v;
	return 0;
}

int
netif_mtu(const char *name, unsigned *mtu, struct diag *d)
{
	struct strbuf sb;
	char *path, *s;
	int rc = -1;

	if (!netif_name_valid(name, d))
		return -1;
	path = iface_path(name, "mtu");
	sb_init(&sb);
	if (read_attr(path, &sb) == -1) {
		if (errno == ENOENT)
			diag_error(d, "interface '%s' does not exist", name);
		else
			diag_error(d, "cannot read %s: %s", path,
			    strerror(errno));
	} else if (parse_mtu(sb.s != NULL ? sb.s : "", mtu) == -1) {
		s = shown(sb.s != NULL ? sb.s : "");
		diag_error(d, "cannot read the MTU of '%s': '%s' in %s is "
		    "not a number", name, s, path);
		free(s);
	} else
		rc = 0;
	sb_free(&sb);
	free(path);
	return rc;
}

static const char *
find_ip(struct diag *d)
{
	const char *ip = proc_find_ip();

	if (ip == NULL)
		diag_error(d, "cannot find the ip program (iproute2) in "
		    "/usr/sbin, /sbin, /usr/bin or /bin");
	return ip;
}


/*
 * `ip link set dev IF ARG...` (at most 6 ARGs, NULL-terminated); 0, or
 * -1 and ip's message in d.
 */
static int
ip_link_set(const char *ip, const char *ifname, const char *const args[],
    struct diag *d)
{
	char *argv[12] = { (char *)ip, "link", "set", "dev", (char *)ifname };
	struct strbuf out, err, shown_args;
	char *why;
	size_t i;
	int status, rc = -1;

	sb_init(&shown_args);
	for (i = 0; args[i] != NULL && i < 6; i++) {
		argv[5 + i] = (char *)args[i];
		sb_addf(&shown_args, " %s", args[i]);
	}
	argv[5 + i] = NULL;
	sb_init(&out);
	sb_init(&err);
	if (proc_run(argv, NULL, &out, &err, &status, d) == 0) {
		if (status == 0)
			rc = 0;
		else {
			why = diag_one_line(err.s);
			if (*why == '\0') {
				free(why);
				why = xasprintf("exit status %d", status);
			}
			diag_error(d, "ip link set dev %s%s failed: %s",
			    ifname, shown_args.s, why);
			free(why);
		}
	}
	sb_free(&out);
	sb_free(&err);
	sb_free(&shown_args);
	return rc;
}

/* The tap's MTU is the bridge's: a port's would change or break it. */
static int
tap_attach(const char *ip, const char *ifname, const char *bridge,
    unsigned mtu, int at_once, struct diag *d)
{
	const char *set_mtu[] = { "mtu", NULL, NULL };
	const char *const set_master[] = { "master", bridge, NULL };
	const char *const set_up[] = { "up", NULL };
	const char *all[] = { "mtu", NULL, "master", bridge, "up", NULL };
	char *mtu_s = xasprintf("%u", mtu);
	int rc;

	set_mtu[1] = all[1] = mtu_s;
	if (at_once)
		rc = ip_link_set(ip, ifname, all, d);
	else
		rc = ip_link_set(ip, ifname, set_mtu, d) != 0 ||
		    ip_link_set(ip, ifname, set_master, d) != 0 ||
		    ip_link_set(ip, ifname, set_up, d) != 0 ? -1 : 0;
	free(mtu_s);
	return rc;
}

int
netif_up(const char *ifname, const char *bridge, struct diag *d)
{
	const char *ip;
	unsigned mtu;
	int rc;

	if (!netif_name_valid(ifname, d) || netif_is_bridge(bridge, d) != 1 ||
	    netif_mtu(bridge, &mtu, d) != 0 || (ip = find_ip(d)) == NULL)
		return -1;
	/* A missing tap is left to ip, which says so in its words. */
	if ((rc = iface_exists(ifname, d)) == -1 ||
	    (rc == 1 && iface_is_tap(ifname, d) != 1))
		return -1;
	return tap_attach(ip, ifname, bridge, mtu, 0, d);
}

int
netif_tap_create(const char *ifname, const char *bridge, struct diag *d)
{
	struct ifreq ifr;
	const char *ip;
	unsigned mtu;
	int fd;

	if (!netif_name_valid(ifname, d) || netif_is_bridge(bridge, d) != 1 ||
	    netif_mtu(bridge, &mtu, d) != 0 || (ip = find_ip(d)) == NULL)
		return -1;
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0) {
		diag_error(d, "cannot create tap %s: /dev/net/tun: %s",
		    ifname, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	/* netif_name_valid: at most IFNAMSIZ - 1 bytes. */
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		diag_error(d, "cannot create tap %s: %s", ifname,
		    errno == EBUSY ? "in use (by another VM's QEMU?)" :
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (tap_attach(ip, ifname, bridge, mtu, 1, d) != 0) {
		(void)close(fd);	/* the tap goes with its last descriptor */
		return -1;
	}
	return fd;
}

int
netif_down(const char *ifname, const char *bridge, struct diag *d)
{
	static const char *const set_down[] = { "down", NULL };
	static const char *const set_nomaster[] = { "nomaster", NULL };
	struct diag tmp;
	const char *ip;
	int rc;

	if (!netif_name_valid(ifname, d) ||
	    (bridge != NULL && !netif_name_valid(bridge, d)))
		return -1;
	if ((rc = iface_exists(ifname, d)) != 1)
		return rc;
	diag_init(&tmp);
	if (iface_is_tap(ifname, &tmp) != 1) {
		/* Gone meanwhile: a tap QEMU just closed. */
		if (iface_exists(ifname, d) == 0) {
			diag_clear(&tmp);
			return 0;
		}
		diag_move(d, &tmp);
		return -1;
	}
	if ((ip = find_ip(d)) == NULL)
		return -1;
	if (ip_link_set(ip, ifname, set_down, &tmp) == 0 &&
	    ip_link_set(ip, ifname, set_nomaster, &tmp) == 0)
		return 0;
	/* Gone while we worked on it: QEMU closed it, which is fine. */
	if (iface_exists(ifname, &tmp) == 0) {
		diag_clear(&tmp);
		return 0;
	}
	diag_move(d, &tmp);
	return -1;
}
