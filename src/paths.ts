import fs from 'node:fs';
import path from 'node:path';

/** The project root (the folder with package.json), from sources under src/ or compiled under dist/. */
export const PROJECT_ROOT = findRoot(__dirname);

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'prisma'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the nir-ssl project root above ${start}`);
    dir = parent;
  }
}
