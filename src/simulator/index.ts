/** The simulator: seeded, streaming, realistic customer histories for tests, demos and benchmarks. */
export { simulateTouchpoints, type SimulationOptions } from './simulate';
export { DistributionCollector, type Distribution } from './distribution';
export type { SimulatedTouchpoint } from './raw-touchpoint';
export { ARCHETYPE_WEIGHTS, type Archetype } from './journey';
