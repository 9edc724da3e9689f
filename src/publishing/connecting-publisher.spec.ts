import { ConnectingPublisher } from './connecting-publisher';
import { InMemoryPublisher } from './in-memory-publisher';
import { Publisher } from './publisher.port';
import { OutboundMessage, TOPICS } from '../outbox/outbound-message';

const message: OutboundMessage = {
  id: 'e-1',
  topic: TOPICS.touchpoints,
  customerId: 'c-1',
  type: 'bank.crm.touchpoint.ProspectCaptured.v1',
  time: '2026-01-01T00:00:00.000Z',
  sequence: '000000000000000000004',
  data: {},
};

/** A publisher that fails its first `failures` publishes, then works. */
function flaky(failures: number) {
  const inner = new InMemoryPublisher();
  let left = failures;
  const closed: number[] = [];
  const publisher: Publisher = {
    publish: async (messages) => {
      if (left-- > 0) throw new Error('broker away');
      await inner.publish(messages);
    },
    close: async () => void closed.push(1),
  };
  return { publisher, inner, closed };
}

describe('ConnectingPublisher', () => {
  it('given the first connection fails, when publishing again, then it connects again', async () => {
    const { publisher } = flaky(0);
    const connect = jest
      .fn<Promise<Publisher>, []>()
      .mockRejectedValueOnce(new Error('no broker'))
      .mockResolvedValue(publisher);
    const connecting = new ConnectingPublisher(connect);
    await expect(connecting.publish([message])).rejects.toThrow('no broker');
    await connecting.publish([message]);
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('given a producer failing 5 times in a row, then it is closed and replaced', async () => {
    const stuck = flaky(Number.POSITIVE_INFINITY);
    const fresh = flaky(0);
    const connect = jest
      .fn<Promise<Publisher>, []>()
      .mockResolvedValueOnce(stuck.publisher)
      .mockResolvedValue(fresh.publisher);
    const connecting = new ConnectingPublisher(connect);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await expect(connecting.publish([message])).rejects.toThrow('broker away');
    }
    expect(stuck.closed).toHaveLength(1);
    await connecting.publish([message]);
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('given failures below the threshold, then the same producer is kept', async () => {
    const { publisher, closed } = flaky(4);
    const connect = jest.fn<Promise<Publisher>, []>().mockResolvedValue(publisher);
    const connecting = new ConnectingPublisher(connect);
    for (let attempt = 1; attempt <= 4; attempt++) {
      await expect(connecting.publish([message])).rejects.toThrow('broker away');
    }
    await connecting.publish([message]);
    expect(connect).toHaveBeenCalledTimes(1);
    expect(closed).toHaveLength(0);
  });
});
