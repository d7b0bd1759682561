// Where the repository, its build and ../shared are (CTest sets TK_*; the defaults suit a manual run).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const supportDir = path.dirname(fileURLToPath(import.meta.url));

export const sourceDir = process.env.TK_SOURCE_DIR ?? path.resolve(supportDir, '..', '..', '..');
export const buildDir = process.env.TK_BUILD_DIR ?? path.join(sourceDir, 'build');
export const sharedDir = process.env.TK_SHARED_DIR ?? path.resolve(sourceDir, '..', 'shared');
export const nodeModulesDir = path.join(sourceDir, 'node_modules');
export const loopbackShimPath = path.join(supportDir, 'loopback_only.cjs');
