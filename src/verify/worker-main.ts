import { serveEngine } from './worker.js';

/** verify's engine thread: bundled as dist/bundle/verify-worker.cjs (see host.ts). */
void serveEngine();
