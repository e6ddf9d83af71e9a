/*
 * table.h - rows of cells shown as a table: the one renderer of list's
 * table, here and for several hosts at once (qemu-init -H), and of the
 * fleet view of status.  Each column is as wide as its widest cell (in
 * characters), columns are one blank apart, the last is not padded and
 * no line ends in a blank.  Every cell is made visible (visible.h) as it
 * is added: whatever a name holds, the table is only text.  The cells
 * are kept in one buffer, so that a table costs what its text costs.
 */
#ifndef QI_TABLE_H
#define QI_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

struct table {
	size_t		 ncols;
	size_t		*width;		/* each column's, in characters */
	struct strbuf	 cells;		/* each NUL-ended; a note after '\1' */
	size_t		 col;		/* the next cell's column */
};

/* A table of ncols columns (at least 1), the first row its header. */
void	table_init(struct table *, size_t ncols);
void	table_free(struct table *);
/* The next cell, row after row.  s NULL is "-". */
void	table_add(struct table *, const char *s);
void	table_addll(struct table *, long long);
/*
 * The rest of the current row as one text that no column's width takes
 * into account (a row saying why a host has no VMs).
 */
void	table_note(struct table *, const char *s);
/* The table, a line a row. */
void	table_print(const struct table *, FILE *);

#endif
