/**
 * Throttling as the config says: `apiThrottle` is the stage's default on every route; `routeThrottle` gives one
 * provider's two webhook routes their own limits instead, and nothing else changes.
 */
import { readPipelineConfig, providerDescriptors } from '../../lib/config';
import { providers } from '../../functions/providers';
import { logicalIdOf, resourcesOf, shippedContext, synth } from './support/synth';

const withRouteThrottle = (routeThrottle: unknown) => {
  const shipped = shippedContext() as { webhooks: Record<string, unknown> };
  return { ...shipped, webhooks: { ...shipped.webhooks, apiThrottle: { rateLimit: 200, burstLimit: 400 }, routeThrottle } };
};

describe('throttling', () => {
  it('without routeThrottle every route has the stage-wide limits and no route settings', () => {
    const { template } = synth();
    const [stage] = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage')).map((s) => s.Properties);
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
    expect(stage.RouteSettings).toBeUndefined();
  });

  it("a provider's routeThrottle limits its two webhook routes, the others keep the API-wide default", () => {
    const { template } = synth(withRouteThrottle({ webcom: { rateLimit: 20, burstLimit: 40 }, 'nhncloud-sms': { rateLimit: 50 } }));
    const [[stageId, { Properties: stage, DependsOn: dependsOn }]] = Object.entries(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'));
    expect(stageId).toBeDefined();
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
    expect(stage.RouteSettings).toEqual({
      'ANY /webhooks/webcom': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      'ANY /webhooks/webcom/{token}': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      // A limit left out is the API-wide one.
      'ANY /webhooks/nhncloud-sms': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 400 },
      'ANY /webhooks/nhncloud-sms/{token}': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 400 },
    });
    // Every route key named in the settings exists, and the stage is created after it ("Unable to find Route by key").
    const routes = Object.entries(resourcesOf(template, 'AWS::ApiGatewayV2::Route'));
    for (const key of Object.keys(stage.RouteSettings)) {
      const route = routes.find(([, r]) => r.Properties.RouteKey === key);
      expect(route).toBeDefined();
      expect(dependsOn).toContain(route![0]);
    }
    expect(logicalIdOf(template, 'AWS::ApiGatewayV2::Stage', 'DefaultStage')).toBe(stageId);
  });

  it('lists every problem of routeThrottle at once', () => {
    const context = withRouteThrottle({ webcom: { rateLimit: 20000, burstLimit: 0 }, acme: { rateLimit: 1 }, smsgateway24: 'fast' });
    const read = () => readPipelineConfig((key) => (context as Record<string, unknown>)[key], providerDescriptors(providers));
    expect(read).toThrow(/routeThrottle\.webcom\.rateLimit: 20000 must be a number above 0 and at most 10000/);
    expect(read).toThrow(/routeThrottle\.webcom\.burstLimit: 0 must be an integer from 1 to 5000/);
    expect(read).toThrow(/routeThrottle\.acme: not a provider of the registry/);
    expect(read).toThrow(/routeThrottle\.smsgateway24: "fast" must be \{ "rateLimit": number, "burstLimit": integer \}/);
  });
});
