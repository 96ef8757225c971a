// slmlab's own version, as package.json states it: written into every experiment bundle (bundle/), so that an
// import can say which release made the file. version.test.ts keeps the two equal.
export const SLMLAB_VERSION = '0.1.0';
