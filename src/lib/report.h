/*
 * report.h - what list, status and info say of a VM, as one record
 * whatever it comes from: this host's facts (vminfo.h), or a VM object
 * of another host's list or status document (qemu-init -H with several
 * hosts, fleet.h).  The record is written in one place each: a JSON
 * object's members or info's "key: value" lines, a row of list's table
 * (table.h), and status's line; so a VM of another host is shown as one
 * of this host is.  The members and their order are those of
 * qemu-init(8) JSON output.
 */
#ifndef QI_REPORT_H
#define QI_REPORT_H

#include <limits.h>

struct json;
struct jsonw;
struct strbuf;
struct table;
struct vm_info;
struct vm_ref;

#define REPORT_NONE	LLONG_MIN	/* a number not known: null */

struct report_vm {
	const char	*vm;		/* status: as named; else NULL */
	const char	*shortname;
	const char	*name;
	const char	*config;
	const char	*description;
	const char	*state;		/* running, dead, stopped, unknown */
	const char	*qemu_state;
	long long	 pid;
	long long	 started;	/* known only while it runs */
	long long	 uptime;
	long long	 slot;
	const char	*monitor;	/* tcp, unix */
	long long	 monport;
	long long	 ctlport;
	const char	*hmp_socket;
	const char	*qmp_socket;
	const char	*vnc;
	const char	*console_log;
	/* What it runs with (or would, stopped): -1, NULL: not known. */
	const char	*runas;		/* QEMU's user; NULL: the host's */
	int		 snapshot;	/* SNAPSHOT=yes */
	int		 agent;		/* AGENT=yes */
	const char	*firmware;	/* "bios", "uefi" */
	const char	*kernel;	/* KERNEL: direct kernel boot */
	int		 config_ok;	/* list: 0 or 1; else -1, no member */
	int		 lsb;		/* status: 0, 1, 3 or 4; else -1 */
};

/*
 * Where a record goes: the members of the JSON object open in w, or,
 * with w NULL, "key:  value" lines (null as "-") appended to text.
 */
struct report {
	struct jsonw	*w;
	struct strbuf	*text;
};

void	report_string(struct report *, const char *key, const char *s);
/* n REPORT_NONE: null; text, when given, is its text form. */
void	report_number(struct report *, const char *key, long long n,
	    const char *text);
/* b < 0: null; else a boolean, "yes" or "no" as text. */
void	report_bool(struct report *, const char *key, int b);

/*
 * The record of the VM ref (NULL: one that could not be resolved, whose
 * state is "unknown") as in says, config_desc the DESC of its config
 * when it was loaded.  Its strings point into ref and in.
 */
void	report_vm_of(struct report_vm *, const struct vm_ref *ref,
	    const struct vm_info *in, const char *config_desc);
/*
 * The record of a VM object of a list or status document; its strings
 * point into obj.  0, or -1 when obj is not an object.  A member of the
 * wrong type is taken as null; members it does not know are left.
 */
int	report_vm_read(struct report_vm *, const struct json *obj);

/* Its members: vm when set, those every VM has, config_ok and lsb. */
void	report_vm_members(struct report *, const struct report_vm *);

/* list's table: its columns, and a VM's row. */
#define REPORT_LIST_COLUMNS	9
extern const char *const report_list_head[REPORT_LIST_COLUMNS];
void	report_list_row(struct table *, const struct report_vm *);


/* status's line (no newline), after the VM as named (else its name). */
void	report_status_line(struct strbuf *, const struct report_vm *);


#endif
