import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import fc from 'fast-check';
import {
  type CustomerWriteState,
  decide,
  evolveWriteState,
  initialCustomerWriteState,
} from '../domain/decider';
import { schemaFor, upcast } from '../domain/touchpoints';
import { RETAIL_BANK_POLICY_V1 } from '../domain/retail-bank-policy';
import { DistributionCollector, type SimulatedTouchpoint, simulateTouchpoints } from '.';

function byCustomer(events: Iterable<SimulatedTouchpoint>): Map<string, SimulatedTouchpoint[]> {
  const map = new Map<string, SimulatedTouchpoint[]>();
  for (const e of events) map.set(e.customerId, [...(map.get(e.customerId) ?? []), e]);
  return map;
}

describe('simulator', () => {
  it('given a seed, when run twice, then the histories are identical and in time order', () => {
    const first = [...simulateTouchpoints({ customers: 50, seed: 7 })];
    expect([...simulateTouchpoints({ customers: 50, seed: 7 })]).toEqual(first);
    expect(first.every((e, i) => i === 0 || first[i - 1].occurredAt <= e.occurredAt)).toBe(true);
    expect(new Set(first.map((e) => e.eventId)).size).toBe(first.length);
  });

  it('given any seed, then every customer history is accepted by the decider and every payload passes its schema', async () => {
    const seeds = fc.sample(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { numRuns: 3, seed: 42 });
    for (const seed of seeds) {
      const events = [...simulateTouchpoints({ customers: 150, seed })];
      for (const [customerId, history] of byCustomer(events)) {
        let state: CustomerWriteState = initialCustomerWriteState;
        for (const event of history) {
          const decision = decide(state, event, RETAIL_BANK_POLICY_V1);
          if (!decision.accepted)
            throw new Error(
              `seed ${seed} customer ${customerId}: ${event.type} refused: ${decision.message}`,
            );
          state = evolveWriteState(state, upcast(event));
        }
      }
      for (const event of events) {
        const schema = schemaFor(event.type, event.version);
        expect(schema).toBeDefined();
        const found = await validate(plainToInstance(schema!.payload, event.data) as object, {
          whitelist: true,
          forbidNonWhitelisted: true,
        });
        if (found.length > 0)
          throw new Error(
            `seed ${seed} ${event.type}: ${JSON.stringify(found.map((f) => f.toString()))}`,
          );
      }
    }
  });

  it('given 1,000 customers, then stages and tiers show a plausible spread', () => {
    const collector = new DistributionCollector();
    for (const e of simulateTouchpoints({
      customers: 1000,
      seed: 1,
      onCustomerFinished: collector.recordCustomer,
    }))
      collector.recordEvent(e);
    const { stages, tiers, customers } = collector.result();
    expect(customers).toBe(1000);
    for (const stage of [
      'prospect',
      'active',
      'engaged',
      'loyal',
      'at-risk',
      'dormant',
      'churned',
      'reactivated',
    ]) {
      expect(stages[stage]).toBeGreaterThan(0);
    }
    expect(stages.active + stages.engaged + stages.loyal).toBeGreaterThan(customers / 2);
    expect(tiers.mass + tiers['emerging-affluent']).toBeGreaterThan(customers * 0.7);
    expect(tiers['high-net-worth']).toBeGreaterThan(0);
    expect(tiers.private).toBeGreaterThan(0);
    expect(tiers.private).toBeLessThan(tiers['high-net-worth']);
  });
});
