import { BUDGETS } from '../../bench/budgets';
import { costPerMillion, PRICES, totalUsd } from '../../bench/cost';

/** What the bench measures: 2 write units per new status event (the consumer suite meters them), ~0.9 KB of log line. */
const measured = { writeUnitsPerStatusEvent: 2, writeUnitsPerDuplicate: 0, logBytesPerRequest: 900, sqsRequestsPerWebhook: 1 };
const line = (lines: ReturnType<typeof costPerMillion>, item: string) => lines.find((entry) => entry.item === item)!.usd;

describe('cost model', () => {
  test('DynamoDB writes follow the measured write units: 900,000 new events × 2', () => {
    expect(line(costPerMillion(measured), 'DynamoDB writes')).toBeCloseTo(1.8 * PRICES.dynamoPerMillionWriteUnits, 6);
    expect(line(costPerMillion({ ...measured, writeUnitsPerStatusEvent: 5, writeUnitsPerDuplicate: 2 }), 'DynamoDB writes')).toBeCloseTo(
      4.7 * 0.625,
      6,
    );
  });

  test('log volume follows the measured bytes per request', () => {
    const more =
      line(costPerMillion({ ...measured, logBytesPerRequest: 1900 }), 'CloudWatch Logs') - line(costPerMillion(measured), 'CloudWatch Logs');
    expect(more).toBeCloseTo(0.5, 6);
  });

  test('the total is the sum of the lines to the cent, and a figure not measured makes it NaN, never a pass', () => {
    const lines = costPerMillion(measured);
    expect(totalUsd(lines)).toBe(Math.round(lines.reduce((sum, entry) => sum + entry.usd, 0) * 100) / 100);
    expect(totalUsd(costPerMillion({ ...measured, writeUnitsPerStatusEvent: Number.NaN }))).toBeNaN();
  });

  test('at 2 write units per new event the busy total is within the $4.50 budget; at the 3 of before it was not', () => {
    expect(totalUsd(costPerMillion(measured))).toBeLessThanOrEqual(BUDGETS.costPerMillionUsd);
    expect(totalUsd(costPerMillion({ ...measured, writeUnitsPerStatusEvent: 3 }))).toBeGreaterThan(BUDGETS.costPerMillionUsd);
  });
});
