// The packaged Lambda layer in an otherwise empty root: unpack a layer zip, inspect its ELF files
// (what each needs, where it is looked up), and start the extension there under chroot.
//
// The root holds only what the issue allows: /opt (the layer), /tmp, /dev/null, /proc, /etc/hosts
// and a CA bundle at Amazon Linux's path; for arm64 also the static qemu binary at /qemu (the
// "CPU": binfmt_misc may not be registered where tests run, so qemu is started explicitly).
// /proc and /dev/null are mounted in a private mount namespace of the extension's own process
// (unshare), so they disappear with it and nothing is left mounted on the host.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync,
  writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildDir } from './paths.mjs';

/** Where the layer's own files are at run time (Lambda unpacks layers into /opt). */
export const LAYER_LIB_DIR = '/opt/telemetry-kinesis/lib';
export const AMAZON_LINUX_CA_BUNDLE = '/etc/pki/tls/certs/ca-bundle.crt';

/** Per Lambda architecture: the loader the layer bundles, and how to run it on this x86_64 host. */
export const ARCHITECTURES = {
  x86_64: { loader: 'ld-linux-x86-64.so.2', elfMachine: 'X86-64', qemu: null },
  arm64: { loader: 'ld-linux-aarch64.so.1', elfMachine: 'AArch64', qemu: '/usr/bin/qemu-aarch64-static' },
};

export function layerZipPath(arch) {
  return path.join(buildDir, `telemetry-kinesis-layer-${arch}.zip`);
}

function run(command, args) {
  return execFileSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } });
}

function isElf(file) {
  const bytes = readFileSync(file).subarray(0, 4);
  return bytes.length === 4 && bytes[0] === 0x7f && bytes.toString('latin1', 1, 4) === 'ELF';
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true }).map((rel) => path.join(dir, rel))
    .filter((file) => statSync(file).isFile()).sort();
}

/** `objdump -p`: NEEDED, SONAME, RPATH, RUNPATH, version definitions and references. */
function privateHeaders(file) {
  const info = { needed: [], soname: null, rpath: null, runpath: null, versionDefs: new Set(), versionRefs: [] };
  let section = null;
  let refFile = null;
  for (const line of run('objdump', ['-p', file]).split('\n')) {
    if (line.startsWith('Dynamic Section:')) section = 'dynamic';
    else if (line.startsWith('Version definitions:')) section = 'defs';
    else if (line.startsWith('Version References:')) section = 'refs';
    else if (section === 'dynamic') {
      const m = line.match(/^\s+(NEEDED|SONAME|RPATH|RUNPATH)\s+(\S+)/);
      if (m?.[1] === 'NEEDED') info.needed.push(m[2]);
      else if (m) info[m[1].toLowerCase()] = m[2];
    } else if (section === 'defs') {
      const m = line.match(/^\d+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+(\S+)$/);
      if (m) info.versionDefs.add(m[1]);
    } else if (section === 'refs') {
      const from = line.match(/^\s+required from (\S+):$/);
      const ref = line.match(/^\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+\d+\s+(\S+)$/);
      if (from) refFile = from[1];
      else if (ref && refFile) info.versionRefs.push({ file: refFile, version: ref[1] });
    }
  }
  return info;
}

/** `objdump -T`: the dynamic symbols an ELF defines and the ones it needs (non-weak, undefined). */
function dynamicSymbols(file) {
  const defined = new Map();  // name -> Set of versions ('' when unversioned)
  const undefinedRefs = [];  // { name, version }
  for (const line of run('objdump', ['-T', file]).split('\n')) {
    const m = line.match(/^[0-9a-f]+ (.{7}) (\S+)\t[0-9a-f]+\s+(\S+)\s+(\S+)$/);
    if (!m) continue;
    const [, flags, section, rawVersion, name] = m;
    const version = rawVersion === 'Base' ? '' : rawVersion.replace(/^\((.*)\)$/, '$1');
    if (section === '*UND*') {
      if (flags[1] !== 'w') undefinedRefs.push({ name, version });
    } else {
      if (!defined.has(name)) defined.set(name, new Set());
      defined.get(name).add(version);
    }
  }
  return { defined, undefinedRefs };
}

function interpreterOf(file) {
  return run('readelf', ['-l', file]).match(/\[Requesting program interpreter: (.*)\]/)?.[1] ?? null;
}

function machineOf(file) {
  return run('readelf', ['-h', file]).match(/Machine:\s+(.*)/)?.[1].trim() ?? '';
}

/**
 * Inspects every ELF file under `optDir` (an unpacked layer) with objdump and readelf:
 * [{ file (path as at run time, /opt/...), machine, interpreter, needed, soname, rpath, runpath,
 *    versionDefs, versionRefs, defined, undefinedRefs }].
 */
export function inspectLayer(optDir) {
  return filesUnder(optDir).filter(isElf).map((file) => ({
    file: `/opt/${path.relative(optDir, file)}`,
    machine: machineOf(file),
    interpreter: interpreterOf(file),
    ...privateHeaders(file),
    ...dynamicSymbols(file),
  }));
}

/**
 * Everything the layer's ELF files need that the layer itself does not provide, as readable lines
 * (empty when the layer is self-contained): a NEEDED library that is not in LAYER_LIB_DIR, a
 * symbol version no bundled library defines, a non-weak undefined symbol no bundled ELF defines.
 */
export function unresolvedInLayer(elfs) {
  const bySoname = new Map(elfs.filter((e) => e.file.startsWith(`${LAYER_LIB_DIR}/`))
    .map((e) => [path.basename(e.file), e]));
  const problems = [];
  for (const elf of elfs) {
    for (const name of elf.needed) {
      if (!bySoname.has(name)) problems.push(`${elf.file}: NEEDED ${name} is not in ${LAYER_LIB_DIR}`);
    }
    for (const { file, version } of elf.versionRefs) {
      if (!bySoname.get(file)?.versionDefs.has(version)) {
        problems.push(`${elf.file}: needs ${file} version ${version}, which the bundled ${file} does not define`);
      }
    }
    for (const { name, version } of elf.undefinedRefs) {
      const found = [...bySoname.values()].some((lib) => {
        const versions = lib.defined.get(name);
        return versions && (version === '' || versions.has(version));
      });
      if (!found) problems.push(`${elf.file}: symbol ${name}${version ? `@${version}` : ''} is defined by no bundled library`);
    }
  }
  return problems;
}

/** Highest GLIBC_x.y version any ELF in the layer asks for (e.g. "GLIBC_2.34"). */
export function highestGlibcVersion(elfs) {
  const versions = elfs.flatMap((e) => e.versionRefs.map((r) => r.version)).filter((v) => /^GLIBC_\d+(\.\d+)*$/.test(v));
  const key = (v) => v.slice(6).split('.').map(Number);
  return versions.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
      if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    }
    return 0;
  }).at(-1) ?? null;
}

/**
 * Unpacks `zip` into a fresh root under the system temp folder with only /opt, /tmp, /dev/null,
 * /proc, /etc/hosts (`hosts` lines) and the CA bundle `caBundlePem` at Amazon Linux's path.
 * Returns { root, optDir, extension, setCaBundle(pem), remove() } where `extension` is a wrapper
 * named telemetry-kinesis (outside the root) that the sandbox starts: it runs
 * /opt/extensions/telemetry-kinesis inside the root, under qemu for arm64.
 */
export function makeEmptyRoot({ zip, arch, hosts, caBundlePem }) {
  const spec = ARCHITECTURES[arch];
  const base = mkdtempSync(path.join(tmpdir(), `layer-root-${arch}-`));
  const root = path.join(base, 'root');
  const optDir = path.join(root, 'opt');
  mkdirSync(optDir, { recursive: true });
  run('unzip', ['-q', zip, '-d', optDir]);
  mkdirSync(path.join(root, 'tmp'));
  chmodSync(path.join(root, 'tmp'), 0o1777);
  mkdirSync(path.join(root, 'dev'));
  writeFileSync(path.join(root, 'dev', 'null'), '');  // bind-mount target for the real /dev/null
  mkdirSync(path.join(root, 'proc'));
  mkdirSync(path.join(root, 'etc', 'pki', 'tls', 'certs'), { recursive: true });
  writeFileSync(path.join(root, 'etc', 'hosts'), `${hosts.join('\n')}\n`);
  const setCaBundle = (pem) => writeFileSync(path.join(root, AMAZON_LINUX_CA_BUNDLE), pem);
  setCaBundle(caBundlePem);

  const command = ['/opt/extensions/telemetry-kinesis'];
  if (spec.qemu) {
    mkdirSync(path.join(root, 'qemu'));
    copyFileSync(spec.qemu, path.join(root, 'qemu', path.basename(spec.qemu)));
    chmodSync(path.join(root, 'qemu', path.basename(spec.qemu)), 0o755);
    command.unshift(`/qemu/${path.basename(spec.qemu)}`);
  }
  // The wrapper execs all the way down (unshare -> sh -> chroot -> extension), so the sandbox's
  // child process is the extension itself: its signals, exit status and memory are the extension's.
  const wrapperDir = path.join(base, 'bin');
  mkdirSync(wrapperDir);
  const extension = path.join(wrapperDir, 'telemetry-kinesis');
  const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
  writeFileSync(extension, [
    '#!/bin/sh',
    '# Starts the packaged extension in the empty root, with /proc and /dev/null mounted privately.',
    'exec unshare --mount --propagation private /bin/sh -c \'mount -t proc proc "$0/proc" && ' +
      'mount --bind /dev/null "$0/dev/null" && exec chroot "$0" "$@"\' ' +
      [root, ...command].map(quote).join(' '),
    '',
  ].join('\n'));
  chmodSync(extension, 0o755);

  return {
    root,
    optDir,
    extension,
    setCaBundle,
    /** Runs the extension in the root without the sandbox: { status, stderr } (bounded by timeoutMs). */
    runDirect({ env, timeoutMs = 30000 }) {
      const result = spawnSync(extension, [], { env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
      if (result.error) throw result.error;
      return { status: result.status, stderr: result.stderr };
    },
    remove() { rmSync(base, { recursive: true, force: true }); },
  };
}
