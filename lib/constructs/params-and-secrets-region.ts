import { Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import { Fact, FactName, RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';
import { FUNCTION_DEFAULTS, PARAMS_AND_SECRETS_EXTENSION } from '../defaults';

/**
 * The commercial (`aws` partition) regions where aws-cdk-lib knows the ARN of the Parameters and Secrets extension
 * layer of our version and architecture: the regions the stack can deploy to, since every ingest function reads its
 * credentials through that layer. Read from aws-cdk-lib's own region table, the one the layer's ARN comes from.
 */
export function paramsAndSecretsRegions(
  version: string = PARAMS_AND_SECRETS_EXTENSION.version,
  architecture: string = FUNCTION_DEFAULTS.architecture.name,
): string[] {
  const fact = FactName.paramsAndSecretsLambdaLayer(version, architecture);
  return Fact.regions.filter((region) => RegionInfo.get(region).partition === 'aws' && Fact.find(region, fact) !== undefined).sort();
}

/** The message of a refused region: which layer, why the stack needs it, and where it can go instead. */
export function unsupportedRegionMessage(region: string, regions: readonly string[] = paramsAndSecretsRegions()): string {
  return (
    `The stack cannot be deployed to ${region}: its ingest functions read their credentials through the AWS Parameters ` +
    `and Secrets Lambda Extension (layer ${PARAMS_AND_SECRETS_EXTENSION.version}, ${FUNCTION_DEFAULTS.architecture.name}), ` +
    `and aws-cdk-lib knows that layer's ARN only in ${regions.join(', ')} (docs/deploy.md "Regions").`
  );
}

/**
 * Stops a deployment to a region without the extension's layer, with the list of the regions that have it, before
 * anything is created:
 *
 * - the stack's region is known at synth (`env.region`): synth fails here, instead of later with aws-cdk-lib's
 *   "region-info: don't know paramsAndSecretsLambdaLayer…";
 * - the stack is environment-agnostic (bin/app.ts): a CloudFormation rule, which CloudFormation checks before it
 *   creates or changes any resource, fails the deployment with the same list, instead of the layer mapping's
 *   "Mapping attribute not found" on the first ingest function.
 */
export function requireParamsAndSecretsRegion(scope: Construct): void {
  const stack = Stack.of(scope);
  const regions = paramsAndSecretsRegions();
  if (!Token.isUnresolved(stack.region)) {
    if (!regions.includes(stack.region)) throw new Error(unsupportedRegionMessage(stack.region, regions));
    return;
  }
  new CfnRule(stack, 'ParamsAndSecretsExtensionRegion', {
    assertions: [
      {
        assert: Fn.conditionContains(regions, Aws.REGION),
        assertDescription: unsupportedRegionMessage('this region', regions),
      },
    ],
  });
}
