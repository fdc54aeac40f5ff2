#!/usr/bin/env node
// Builds actlab's optional oneDNN kernel addon (native/build/Release/actlab_onednn.node)
// when oneDNN's headers, a C++ compiler and make are present; otherwise prints one
// line on how to enable it. Always exits 0: the addon only makes training faster.
// Runs as the package's `install` script (npm ci / npm install); run it again by
// hand after installing oneDNN: `node native/install.js`. Downloads nothing.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const HOW = 'apt-get install libdnnl-dev g++ make python3 (macOS: brew install onednn), then: node native/install.js';

function say(line) {
  console.log(`actlab: ${line}`);
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** The prefix holding include/oneapi/dnnl/dnnl.hpp and lib/libdnnl.* (oneDNN 2.x or 3.x), or undefined. */
function findOneDnn() {
  const prefixes = [process.env.DNNL_PREFIX, process.env.DNNLROOT, '/usr', '/usr/local', '/opt/homebrew'];
  for (const prefix of prefixes.filter(Boolean)) {
    if (!fs.existsSync(path.join(prefix, 'include', 'oneapi', 'dnnl', 'dnnl.hpp'))) continue;
    const libDirs = [
      path.join(prefix, 'lib'),
      path.join(prefix, 'lib64'), // Fedora, openSUSE, CMake's default on their kind of system
      path.join(prefix, 'lib', 'x86_64-linux-gnu'),
      path.join(prefix, 'lib', 'aarch64-linux-gnu'),
    ];
    const lib = libDirs.find(
      (dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => /^libdnnl\.(so|dylib)/.test(f)),
    );
    if (lib) return { prefix, lib };
  }
  return undefined;
}

/** "major.minor.patch" from the prefix's dnnl_version.h (the addon builds against 2.x and 3.x), or "?". */
function oneDnnVersion(prefix) {
  try {
    const text = fs.readFileSync(path.join(prefix, 'include', 'oneapi', 'dnnl', 'dnnl_version.h'), 'utf8');
    const part = (name) => new RegExp(`#define DNNL_VERSION_${name} (\\d+)`).exec(text)?.[1] ?? '?';
    return ['MAJOR', 'MINOR', 'PATCH'].map(part).join('.');
  } catch {
    return '?';
  }
}

/** node-gyp's entry script: npm's own (npm passes its path), else a local or npm-bundled copy. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((file) => file && fs.existsSync(file));
}

/** Node's headers shipped with this node (so node-gyp needs no download), if present. */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.join(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

function main() {
  if (process.env.ACTLAB_NATIVE === '0') {
    say('oneDNN kernels not built (ACTLAB_NATIVE=0)');
    return;
  }
  const dnnl = findOneDnn();
  const compiler = process.env.CXX || ['c++', 'g++', 'clang++'].find(onPath);
  // node-gyp runs its configure step in Python 3: a machine with Node alone cannot build the addon.
  const python = process.env.npm_config_python || process.env.PYTHON || ['python3', 'python'].find(onPath);
  const missing = [
    !dnnl && 'oneDNN headers',
    !compiler && 'a C++ compiler',
    !onPath('make') && 'make',
    !python && 'Python 3 (node-gyp needs it)',
  ].filter(Boolean);
  if (missing.length > 0) {
    say(
      `native oneDNN kernels not built (missing: ${missing.join(', ')}); training uses the wasm kernels. To enable: ${HOW}`,
    );
    return;
  }
  const gyp = findNodeGyp();
  const dir = nodeDir();
  if (!gyp || !dir) {
    say(
      `native oneDNN kernels not built (${gyp ? 'no Node headers next to node' : 'node-gyp not found'}); training uses the wasm kernels`,
    );
    return;
  }
  const here = __dirname;
  const log = path.join(here, 'build.log');
  const result = spawnSync(
    process.execPath,
    [gyp, 'rebuild', `--nodedir=${dir}`, `--jobs=${Math.min(2, require('node:os').availableParallelism())}`],
    {
      cwd: here,
      env: { ...process.env, DNNL_PREFIX: dnnl.prefix, DNNL_LIB: dnnl.lib },
      encoding: 'utf8',
    },
  );
  fs.writeFileSync(log, `${result.stdout ?? ''}\n${result.stderr ?? ''}`);
  if (result.status !== 0) {
    say(`native oneDNN kernels failed to build (see ${log}); training uses the wasm kernels`);
    return;
  }
  say(
    `native oneDNN kernels built (native/build/Release/actlab_onednn.node, oneDNN ${oneDnnVersion(dnnl.prefix)} from ${dnnl.prefix})`,
  );
}

try {
  main();
} catch (error) {
  say(`native oneDNN kernels not built (${error instanceof Error ? error.message : String(error)})`);
}
