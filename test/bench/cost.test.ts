import { costPerMillion, PRICES, totalUsd } from '../../bench/cost';

const measured = { writeUnitsPerStatusEvent: 3, writeUnitsPerDuplicate: 0, logBytesPerRequest: 900, sqsRequestsPerWebhook: 1 };
const line = (lines: ReturnType<typeof costPerMillion>, item: string) => lines.find((entry) => entry.item === item)!.usd;

describe('cost model', () => {
  test('DynamoDB writes follow the measured write units: 900,000 new events × 3', () => {
    expect(line(costPerMillion(measured), 'DynamoDB writes')).toBeCloseTo(2.7 * PRICES.dynamoPerMillionWriteUnits, 6);
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
});
