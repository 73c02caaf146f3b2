/**
 * The sweeper under `npm start`: on its interval, it marks a message left without a final status past its window
 * `unknown` through the events queue, and leaves a delivered one alone. The window is a few seconds here (the
 * local runtime takes fractions of an hour), so the test waits for the sweep, polling, rather than moving a clock.
 */
import type { LocalPipeline } from '../../local/pipeline';
import { startSqs, type TestSqs } from '../support/sqs';
import { lookup, post, startTestPipeline } from './support';

const statusBody = (smsId: number, statusId: number) =>
  JSON.stringify({ sms_id: smsId, status_id: statusId, sendto: '+4915752982212', senttime: '2024-12-12 14:38:05', device_id: 1 });

describe('the local pipeline sweeps stale messages on an interval', () => {
  let sqs: TestSqs;
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    sqs = await startSqs();
    pipeline = await startTestPipeline(sqs, { staleAfterHours: 2 / 3600, sweepIntervalSeconds: 1, console: false });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await sqs?.stop();
  });

  it('marks the message still sending unknown, and not the delivered one', async () => {
    // SmsGateway24 status 2 is `sending`, 7 `delivered`.
    expect((await post(pipeline, 'smsgateway24', statusBody(7001, 2), 'application/json')).status).toBe(200);
    expect((await post(pipeline, 'smsgateway24', statusBody(7002, 2), 'application/json')).status).toBe(200);
    expect((await post(pipeline, 'smsgateway24', statusBody(7002, 7), 'application/json')).status).toBe(200);
    await pipeline.drain();

    let stale = await lookup(pipeline.url, 'smsgateway24', '7001');
    for (let attempt = 0; attempt < 60 && stale?.status !== 'unknown'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await pipeline.drain();
      stale = await lookup(pipeline.url, 'smsgateway24', '7001');
    }
    expect(stale).toMatchObject({ status: 'unknown', final: true, providerStatus: 'no-final-status' });
    expect(stale?.history.map((entry) => entry.status)).toEqual(['sending', 'unknown']);
    expect(await lookup(pipeline.url, 'smsgateway24', '7002')).toMatchObject({ status: 'delivered' });
    expect((await lookup(pipeline.url, 'smsgateway24', '7002'))?.history).toHaveLength(2);
  });
});
