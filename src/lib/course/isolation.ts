/**
 * Keeping a graded kernel out of the instructor's files. On Linux the kernel
 * starts in mount and process namespaces of its own (`unshare`, unprivileged
 * through a user namespace when not root) where each hidden folder is covered
 * by an empty read-only tmpfs, actlab's own folder is read-only, /proc shows
 * only the kernel's processes, and the kernel holds no capability to undo any
 * of it: a submission that opens the solutions (directly, or through another
 * process's /proc/PID/root) finds nothing, and one that rewrites the checks'
 * code cannot reach the next submission. Elsewhere the grader says it cannot
 * isolate, and grades only when told to go on without it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** How kernels are kept apart: the `unshare` flags that worked here, or none. */
export type Isolation = { readonly kind: 'namespace'; readonly unshare: readonly string[] } | { readonly kind: 'none' };

/** Its own processes too: /proc shows no process outside, and whatever a cell leaves running ends with the kernel. */
const PID_NAMESPACE = ['--pid', '--fork', '--kill-child', '--mount-proc'];
const CANDIDATES: ReadonlyArray<readonly string[]> = [
  ['--mount', '--propagation', 'private', ...PID_NAMESPACE], // root (CI, containers started with the capability)
  ['--mount', '--user', '--map-root-user', '--propagation', 'private', ...PID_NAMESPACE], // a user allowed user namespaces
];
/** The kernel keeps no capability: it can neither unmount what hides a folder nor remount actlab writable. */
const DROP_CAPABILITIES = 'setpriv --no-new-privs --inh-caps=-all --bounding-set=-all --';

/** Why the grader cannot isolate kernels here, for its refusal; undefined once a way has been found. */
export let isolationProblem: string | undefined;

/** The first way of starting a private mount namespace that works here, else `{ kind: 'none' }`. */
export function detectIsolation(): Isolation {
  if (process.platform !== 'linux') {
    isolationProblem = `${process.platform} has no mount namespaces (grade on Linux, or in the image of deploy/jupyterhub)`;
    return { kind: 'none' };
  }
  const errors: string[] = [];
  for (const flags of CANDIDATES) {
    const script = `{ mount -t tmpfs none /mnt 2>/dev/null || mount -t tmpfs none /tmp; } && ${DROP_CAPABILITIES} true`;
    const probe = spawnSync('unshare', [...flags, 'sh', '-c', script], { encoding: 'utf8', timeout: 10_000 });
    if (probe.status === 0) {
      isolationProblem = undefined;
      return { kind: 'namespace', unshare: flags };
    }
    errors.push((probe.error?.message ?? probe.stderr.trim()) || `exit ${probe.status}`);
  }
  isolationProblem = `unshare cannot make a private mount namespace here (${[...new Set(errors)].join('; ')})`;
  return { kind: 'none' };
}

/** Folders to hide: the existing ones, without any that holds `keep` (the kernel's own folder, actlab). */
export function foldersToHide(
  candidates: readonly string[],
  keep: readonly string[],
): { hide: string[]; kept: string[] } {
  const hide: string[] = [];
  const kept: string[] = [];
  const contains = (outer: string, inner: string) => inner === outer || inner.startsWith(`${outer}${path.sep}`);
  for (const folder of [...new Set(candidates.map((c) => path.resolve(c)))].sort()) {
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) continue;
    if (keep.some((k) => contains(folder, path.resolve(k)))) kept.push(folder);
    else if (!hide.some((outer) => contains(outer, folder))) hide.push(folder); // inside a hidden one: hidden already
  }
  return { hide, kept };
}

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The argv that starts `argv` (a kernel) with `hidden` folders covered and
 * `readOnly` folders read-only (but `writable` ones under them writable), or
 * `argv` itself without isolation.
 */
export function isolatedArgv(
  isolation: Isolation,
  argv: readonly string[],
  folders: {
    readonly hidden: readonly string[];
    readonly readOnly: readonly string[];
    readonly writable: readonly string[];
  },
): string[] {
  if (isolation.kind === 'none') return [...argv];
  // Writable folders are bound first, so the recursive read-only bind above them carries them along as they are.
  const steps = [
    ...folders.writable.filter((dir) => fs.existsSync(dir)).map((dir) => `mount --bind ${quote(dir)} ${quote(dir)}`),
    ...folders.readOnly.map(
      (dir) => `mount --rbind ${quote(dir)} ${quote(dir)} && mount -o remount,bind,ro ${quote(dir)}`,
    ),
    ...folders.hidden.map((dir) => `mount -t tmpfs -o ro,size=4k,mode=0555 actlab-hidden ${quote(dir)}`),
    // Not exec: the kernel is not the namespace's process 1, which signals such as SIGSEGV could not end.
    `${DROP_CAPABILITIES} "$@"`,
    'exit $?',
  ];
  return ['unshare', ...isolation.unshare, 'sh', '-ec', steps.join('\n'), 'actlab-kernel', ...argv];
}
