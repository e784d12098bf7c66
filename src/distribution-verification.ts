import * as path from 'path';
import { Duration, Stack, aws_events as events, aws_events_targets as targets, aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { IDistributionConfiguration } from './distribution-configuration';
import { METRIC_NAMESPACE, VERIFICATION_ENV, VERIFICATION_ROLE_NAME, VERIFIER_ROLE_NAME } from './private/verification-names';

/** Properties of a `DistributionVerification`. */
export interface DistributionVerificationProps {
  /**
   * The distribution configurations whose images are verified: each image that becomes AVAILABLE with one of them,
   * and, on the schedule, the latest image of every pipeline that distributes with one of them.
   */
  readonly distributions: IDistributionConfiguration[];

  /**
   * When to verify again the latest image of each pipeline, to catch drift (a copy deregistered, a launch permission
   * removed, a key disabled after the distribution).
   *
   * @default Schedule.rate(Duration.days(1))
   */
  readonly schedule?: events.Schedule;

  /**
   * The name of the read-only role the function assumes in the other accounts (`verification: true` on
   * `CrossAccountDistributionRole` and its StackSet creates it).
   *
   * @default 'ImageBuilderDistributionVerification'
   */
  readonly roleName?: string;

  /**
   * The CloudWatch namespace of the metrics.
   *
   * @default 'ImageBuilderDistribution'
   */
  readonly metricNamespace?: string;

  /**
   * How many checks run at once.
   *
   * @default 16
   */
  readonly concurrency?: number;
}

/**
 * Verifies, in AWS, every image distributed with the given distribution configurations as it becomes AVAILABLE, and
 * on a schedule: the same read-only checks as `cdk-imagebuilder-distribution verify`, run by a Lambda function with
 * the command's bundled code. The other accounts are read through the read-only role `verification: true` adds to
 * them.
 */
export class DistributionVerification extends Construct {
  /** The name of the verification function's role (fixed, so the target accounts' read-only role can trust it by name). */
  public static readonly VERIFIER_ROLE_NAME = VERIFIER_ROLE_NAME;

  /** The default name of the read-only role in the other accounts. */
  public static readonly VERIFICATION_ROLE_NAME = VERIFICATION_ROLE_NAME;

  /** The function that verifies. */
  public readonly function: lambda.Function;

  /** The function's role, `ImageBuilderDistributionVerifier`. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DistributionVerificationProps) {
    super(scope, id);
    const roleName = props.roleName ?? VERIFICATION_ROLE_NAME;
    this.role = new iam.Role(this, 'Role', {
      roleName: VERIFIER_ROLE_NAME,
      description: 'Verifies, read-only, what EC2 Image Builder distributed (cdk-imagebuilder-distribution)',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X,
      // The command's bundle (lib/cli/main.js): the same checks as the verify command, and its handler.
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'lib', 'cli'), { exclude: ['*', '!main.js', '!THIRD-PARTY-LICENSES.txt'] }),
      handler: 'main.handler',
      role: this.role,
      timeout: Duration.minutes(15),
      memorySize: 1024,
      description: 'Verifies what EC2 Image Builder distributed (cdk-imagebuilder-distribution)',
      environment: {
        [VERIFICATION_ENV.configurations]: Stack.of(this).toJsonString(props.distributions.map(d => d.distributionConfigurationArn)),
        [VERIFICATION_ENV.roleName]: roleName,
        [VERIFICATION_ENV.namespace]: props.metricNamespace ?? METRIC_NAMESPACE,
        [VERIFICATION_ENV.concurrency]: String(props.concurrency ?? 16),
      },
    });
    new events.Rule(this, 'ImageAvailable', {
      description: 'Verifies each image that becomes AVAILABLE',
      eventPattern: {
        source: ['aws.imagebuilder'],
        detailType: ['EC2 Image Builder Image State Change'],
        detail: { state: { status: ['AVAILABLE'] } },
      },
      targets: [new targets.LambdaFunction(this.function)],
    });
    new events.Rule(this, 'Schedule', {
      description: 'Verifies again the latest image of each pipeline, to catch drift',
      schedule: props.schedule ?? events.Schedule.rate(Duration.days(1)),
      targets: [new targets.LambdaFunction(this.function)],
    });
  }
}
