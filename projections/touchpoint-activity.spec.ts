import { touchpoint } from './testing/touchpoints';
import { activityId, countActivity, TouchpointActivity } from './touchpoint-activity';

describe('touchpoint activity', () => {
  it('given touchpoints of one type on one day, then one document counts them all', () => {
    const events = [
      touchpoint('ChannelInteraction', '2026-03-01T08:00:00.000Z', { channel: 'mobile' }),
      touchpoint('ChannelInteraction', '2026-03-01T23:59:59.999Z', { channel: 'branch' }),
    ];
    expect(new Set(events.map(activityId))).toEqual(new Set(['2026-03-01:ChannelInteraction']));
    const counted = events.reduce<TouchpointActivity | undefined>(countActivity, undefined);
    expect(counted).toEqual({
      day: '2026-03-01',
      type: 'ChannelInteraction',
      touchpoints: 2,
      customerInitiated: 2,
    });
  });

  it('given a bank-initiated touchpoint, then it counts but not as customer-initiated', () => {
    const offered = touchpoint('CampaignOffered', '2026-03-02T10:00:00.000Z', {
      campaignId: 'spring',
      channel: 'email',
    });
    expect(activityId(offered)).toBe('2026-03-02:CampaignOffered');
    expect(countActivity(undefined, offered)).toMatchObject({
      touchpoints: 1,
      customerInitiated: 0,
    });
  });

  it('keys by the UTC day the touchpoint happened', () => {
    const late = touchpoint('BalanceReported', '2026-03-02T00:00:00.000Z', {});
    const early = touchpoint('BalanceReported', '2026-03-01T23:59:59.999Z', {});
    expect(activityId(late)).not.toBe(activityId(early));
  });
});
