// Adds lockfile entries for the other platforms' optional binaries (Biome, workerd, ...).
// The package registry this project is built against serves only linux builds, so npm leaves
// their entries out of package-lock.json and `npm ci` then refuses the lock as out of sync.
// Each entry carries its real os/cpu, so npm ci skips it here and installs it elsewhere.
// Run after `npm install` changes the lock: `npm run lock:platforms`.
const fs = require('node:fs');

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const platformOf = (name) => ({
  os: [
    /darwin/.test(name)
      ? 'darwin'
      : /win32|windows/.test(name)
        ? 'win32'
        : /android/.test(name)
          ? 'android'
          : 'linux',
  ],
  cpu: [/arm64/.test(name) ? 'arm64' : 'x64'],
  ...(name.endsWith('-musl') ? { libc: ['musl'] } : {}),
});
let added = 0;
for (const entry of Object.values(lock.packages)) {
  for (const [dependency, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dependency}`;
    if (lock.packages[key]) continue;
    lock.packages[key] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platformOf(dependency),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b)));
fs.writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} entries`);
