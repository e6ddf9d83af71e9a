/*
 * vminfo.c - what is reported about a VM.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "vminfo.h"

void
vm_info_get(const struct rundir *rd, const char *name,
    const struct vm_config *vm, struct run_states *known,
    struct vm_info *in)
{
	struct run_known *k = known != NULL ? run_states_find(known, name) :
	    NULL;

	memset(in, 0, sizeof(*in));
	in->uptime = -1;
	if (k != NULL) {
		/* Taken, not copied: each VM is reported once. */
		in->run = k->run;
		in->st = k->st;
		memset(&k->st, 0, sizeof(k->st));
		in->qemu_state = k->qemu_state;
		k->qemu_state = NULL;
	} else if (known != NULL && known->complete)
		in->run = VM_STOPPED;	/* no file of it in RUNDIR */
	else
		in->run = vm_probe(rd, name, &in->st);
	/* What a guest's own power-off left goes, where we may write. */
	if (in->run == VM_STOPPED && (k != NULL || known == NULL ||
	    !known->complete))
		vm_tidy(rd, name);
	if (in->run == VM_RUNNING && in->qemu_state == NULL)
		in->qemu_state = vm_run_state(rd, name, &in->st);
	if (in->run == VM_STOPPED) {
		state_free(&in->st);
		if (vm != NULL)
			vm_facts(vm, &in->st);
		in->has_facts = vm != NULL;
	} else
		in->has_facts = in->st.recorded;
	if (in->run == VM_RUNNING && in->st.recorded) {
		in->uptime = (long long)time(NULL) - in->st.started;
		if (in->uptime < 0)
			in->uptime = 0;
	}
	if (in->run == VM_RUNNING && in->st.recorded && in->st.serial)
		in->serial = rundir_path(rd, name, RUN_SERIAL);
	if (in->has_facts && in->st.serial &&
	    rundir_exists(rd, name, RUN_CONSOLE_LOG))
		in->console_log = rundir_path(rd, name, RUN_CONSOLE_LOG);
	if (in->run == VM_RUNNING && in->st.recorded &&
	    in->st.unix_monitors) {
		in->hmp = rundir_path(rd, name, RUN_HMP);
		in->qmp = rundir_path(rd, name, RUN_QMP);
	}
}

void
vm_info_images(struct vm_info *in)
{
	struct image_info info;
	const char *format, *why;
	size_t i;

	in->backing = xcalloc(in->st.ndisks + 1, sizeof(*in->backing));
	in->data_file = xcalloc(in->st.ndisks + 1, sizeof(*in->data_file));
	in->snapshots = -1;
	in->has_backup = in->has_facts && in->st.cfgpath != NULL &&
	    backup_last(in->st.cfgpath, &in->backup) == 0;
	for (i = 0; in->has_facts && i < in->st.ndisks; i++) {
		format = in->st.disks[i].format;
		if ((format != NULL && strcmp(format, "qcow2") != 0 &&
		    strcmp(format, "auto") != 0) ||
		    image_inspect_path(in->st.disks[i].path, &info, NULL) != 0) {
			image_info_free(&info);
			continue;
		}
		if (i == 0)
			in->snapshots = info.qcow2 ? (long long)info.snapshots : 0;
		if (info.backing != NULL && image_name_plain(info.backing, &why))
			in->backing[i] = image_name_resolve(
			    in->st.disks[i].path, info.backing);
		else if (info.backing != NULL)
			in->backing[i] = xstrdup(info.backing);
		if (info.data_file != NULL &&
		    image_name_plain(info.data_file, &why))
			in->data_file[i] = image_name_resolve(
			    in->st.disks[i].path, info.data_file);
		else if (info.data_file != NULL)
			in->data_file[i] = xstrdup(info.data_file);
		image_info_free(&info);
	}
}

void
vm_info_free(struct vm_info *in)
{
	size_t i;

	for (i = 0; in->backing != NULL && i < in->st.ndisks; i++) {
		free(in->backing[i]);
		free(in->data_file[i]);
	}
	free(in->backing);
	free(in->data_file);
	backup_record_free(&in->backup);
	state_free(&in->st);
	free(in->qemu_state);
	free(in->serial);
	free(in->console_log);
	free(in->hmp);
	free(in->qmp);
	memset(in, 0, sizeof(*in));
}
