import { runConformance } from '../conformance.js';
import { MemoryStore } from './memory-store.js';

runConformance('memory', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));
