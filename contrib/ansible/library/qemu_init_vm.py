#!/usr/bin/python3
# qemu_init_vm - an Ansible module for the VMs of qemu-init(8).
# See contrib/ansible/README.md in the qemu-init sources.

DOCUMENTATION = r'''
---
module: qemu_init_vm
short_description: Bring a qemu-init VM to a state
description:
  - Starts, stops, restarts or unregisters one VM of qemu-init(8) on the
    managed host, through qemu-init itself (an argument vector, no shell),
    and returns what C(qemu-init info -o json) says of it.
  - Idempotent: C(changed) only when a VM was started, stopped or taken
    out of the registry. Check mode and diff mode are supported.
  - It never acts on every VM unless told so with C(all=true).
options:
  name:
    description:
      - The VM, by shortname, longname or the path of its
        C(<name>-qemu.cfg), as qemu-init takes it.
      - Required unless C(all=true).
    type: str
  state:
    description:
      - C(started) (the default), C(stopped), C(restarted), or C(absent)
        (stopped, and its line taken out of C(qemu-init.reg); its
        configuration and disks stay).
      - With C(all=true), C(started) starts every VM with AUTOSTART=yes
        (C(qemu-init start -a)) and C(stopped) stops every running VM
        (C(qemu-init stop -a)).
    type: str
    choices: [started, stopped, restarted, absent]
    default: started
  force:
    description:
      - Stopping, force a VM that is still running after its timeout off
        (C(qemu-init stop -f)); else that is a failure.
    type: bool
    default: false
  timeout:
    description:
      - Stopping, seconds to wait for the guest to power off (C(stop -t));
        by default the VM's STOPDELAY.
    type: int
  all:
    description:
      - Act on every VM (see I(state)); I(name) must then be left out.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: web runs
  qemu_init_vm:
    name: web
- name: db is off, forced off after 60 s
  qemu_init_vm:
    name: db
    state: stopped
    timeout: 60
    force: true
'''

RETURN = r'''
info:
  description: What C(qemu-init info -o json) says of the VM after (null
    for a VM that is absent).
  type: dict
  returned: with name
vms:
  description: What C(qemu-init list -o json) says of every VM after.
  type: list
  returned: with all
'''

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule


class QemuInit(object):
    def __init__(self, module):
        self.module = module
        self.bin = module.get_bin_path(
            'qemu-init', required=True,
            opt_dirs=['/usr/local/bin', '/usr/bin'])

    def run(self, *args):
        return self.module.run_command([self.bin] + list(args))

    def must(self, *args):
        rc, out, err = self.run(*args)
        if rc != 0:
            self.module.fail_json(
                msg='qemu-init %s: %s' % (' '.join(args),
                                          (err or out).strip()),
                rc=rc, stdout=out, stderr=err)
        return out

    def info(self, name):
        """The VM's info, or None when qemu-init knows no such VM."""
        rc, out, err = self.run('info', '-o', 'json', name)
        if rc == 0 or out.strip().startswith('{'):
            return json.loads(out)
        if 'unknown VM' in err:
            return None
        self.module.fail_json(msg='qemu-init info %s: %s' %
                              (name, err.strip()), rc=rc)

    def vms(self):
        return json.loads(self.must('list', '-o', 'json'))['vms']

    def stop_options(self):
        p = self.module.params
        opts = []
        if p['force']:
            opts.append('-f')
        if p['timeout'] is not None:
            opts += ['-t', str(p['timeout'])]
        return opts


def registry_path():
    confdir = os.environ.get('QEMU_INIT_CONFDIR') or '/etc/qemu'
    return os.path.join(confdir, 'qemu-init.reg')


def registry_lines_of(info):
    """The registry's lines and those that register the VM of info."""
    path = registry_path()
    try:
        with open(path, encoding='utf-8', errors='surrogateescape') as f:
            lines = f.read().splitlines(True)
    except FileNotFoundError:
        return path, [], []
    ours = []
    for line in lines:
        words = line.split('#', 1)[0].split()
        if len(words) == 2 and info.get('shortname') == words[0]:
            ours.append(line)
    return path, lines, ours


def registry_drop(path, lines, ours):
    """The file written anew without ours, atomically, its mode kept."""
    st = os.stat(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path),
                               prefix='.qemu-init.reg.')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8',
                       errors='surrogateescape') as f:
            f.writelines(line for line in lines if line not in ours)
        os.chmod(tmp, st.st_mode & 0o7777)
        os.chown(tmp, st.st_uid, st.st_gid)
        os.rename(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def running(info):
    return info is not None and info.get('state') == 'running'


def one_vm(module, qi):
    p = module.params
    name, state = p['name'], p['state']
    before = qi.info(name)
    if before is None and state != 'absent':
        module.fail_json(msg="qemu-init knows no VM '%s'" % name)
    changed = False
    msg = None
    if state == 'started':
        changed = not running(before)
        if changed and not module.check_mode:
            qi.must('start', name)
    elif state == 'stopped':
        changed = running(before)
        if changed and not module.check_mode:
            qi.must('stop', *(qi.stop_options() + [name]))
    elif state == 'restarted':
        changed = True
        if not module.check_mode:
            if running(before):
                qi.must('restart', *(qi.stop_options() + [name]))
            else:
                qi.must('start', name)
    elif state == 'absent':
        ours = []
        if before is not None:
            path, lines, ours = registry_lines_of(before)
        changed = running(before) or bool(ours)
        if changed and not module.check_mode:
            if running(before):
                qi.must('stop', *(qi.stop_options() + [name]))
            if ours:
                registry_drop(path, lines, ours)
        msg = '%s: %s' % (name, 'unregistered' if ours else 'absent')
    after = before if module.check_mode else qi.info(name)
    if module.check_mode and changed:
        msg = '%s: would be %s' % (name, state)
    elif msg is None:
        msg = '%s: %s' % (name, after['state'] if after else 'absent')
    result = dict(changed=changed, info=after, msg=msg)
    if module._diff:
        result['diff'] = dict(
            before=dict(state=before['state'] if before else 'absent'),
            after=dict(state=(state if changed and module.check_mode
                              else after['state'] if after
                              else 'absent')))
    module.exit_json(**result)


def all_vms(module, qi):
    p = module.params
    state = p['state']
    if state not in ('started', 'stopped'):
        module.fail_json(msg='all=true goes with state started (start -a) '
                         'or stopped (stop -a) only')
    before = qi.vms()
    if state == 'stopped':
        todo = [v['name'] for v in before if v['state'] == 'running']
    else:
        todo = [v['name'] for v in before if v['state'] != 'running' and
                (qi.info(v['name']) or {}).get('autostart')]
    changed = bool(todo)
    if changed and not module.check_mode:
        if state == 'stopped':
            qi.must('stop', *(qi.stop_options() + ['-a']))
        else:
            qi.must('start', '-a')
    after = before if module.check_mode else qi.vms()
    result = dict(changed=changed, vms=after,
                  msg='%s: %s' % (state, ', '.join(todo) or 'none'))
    if module._diff:
        result['diff'] = dict(
            before=dict((v['name'], v['state']) for v in before),
            after=dict((v['name'], v['state']) for v in after))
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str'),
            state=dict(type='str', default='started',
                       choices=['started', 'stopped', 'restarted',
                                'absent']),
            force=dict(type='bool', default=False),
            timeout=dict(type='int'),
            all=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('name', 'all')],
        supports_check_mode=True,
    )
    p = module.params
    if not p['name'] and not p['all']:
        module.fail_json(msg='name a VM, or give all=true to act on '
                         'every VM')
    if p['timeout'] is not None and p['timeout'] < 0:
        module.fail_json(msg='timeout must be 0 or more seconds')
    qi = QemuInit(module)
    if p['all']:
        all_vms(module, qi)
    else:
        one_vm(module, qi)


if __name__ == '__main__':
    main()
