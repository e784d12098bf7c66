import { App, RemovalPolicy, Stack, StackProps, aws_ecr as ecr, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DistributionConfiguration } from '../../../src';

/*
 * The app of docs/guides/container-images.md: a container image built in us-east-1 and distributed to an ECR
 * repository in each of three Regions. test/guides.test.ts synthesizes it; cfn-lint checks its templates.
 */

const ACCOUNT = '111111111111';
export const CONTAINER_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

// #region repository-stack
/** The ECR repository of one Region. Its name is fixed, so that the distribution in another Region can name it. */
export class RepositoryStack extends Stack {
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: 'golden/app',
      imageScanOnPush: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
// #endregion

export function buildContainerApp(app: App = new App()): App {
  // #region distribution
  const repositories = CONTAINER_REGIONS.map(region =>
    new RepositoryStack(app, `Repository-${region}`, { env: { account: ACCOUNT, region } }).repository);
  const stack = new Stack(app, 'GoldenContainer', { env: { account: ACCOUNT, region: 'us-east-1' } });

  const distribution = new DistributionConfiguration(stack, 'Distribution', { distributionConfigurationName: 'golden-app' });
  CONTAINER_REGIONS.forEach((region, i) => distribution.addContainerRegion(region, {
    repository: repositories[i],
    tags: ['latest'],
    description: `Golden app image in ${region}`,
  }));
  // #endregion

  // #region recipe
  // The recipe pushes the build to the build Region's repository; the distribution copies it to the others.
  new imagebuilder.CfnContainerRecipe(stack, 'Recipe', {
    name: 'golden-app',
    version: '1.0.0',
    containerType: 'DOCKER',
    parentImage: 'amazonlinux:2023',
    components: [{ componentArn: `arn:aws:imagebuilder:${stack.region}:aws:component/update-linux/x.x.x` }],
    targetRepository: { service: 'ECR', repositoryName: 'golden/app' },
    dockerfileTemplateData: 'FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}',
  });
  // #endregion
  return app;
}

if (require.main === module) {
  buildContainerApp().synth();
}
