import * as os from 'os';
import * as path from 'path';
import { GetImageCommand, GetImagePipelineCommand, ImagebuilderClient, ListImagePipelineImagesCommand } from '@aws-sdk/client-imagebuilder';
import { ImageBuilderEndpoint, ServiceError, imageArn, imageOf, startImageBuilderEndpoint } from './endpoints/imagebuilder';
import { loadModel, validate } from './endpoints/model';

/*
 * The local Image Builder endpoint the command's tests use (moto has no Image Builder): the SDK's own client reads
 * it through AWS_ENDPOINT_URL_IMAGEBUILDER, and everything it answers is checked against Image Builder's model.
 */

const ACCOUNT = '123456789012';
const PIPELINE = `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image-pipeline/golden`;
const DISTRIBUTION = {
  arn: `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:distribution-configuration/golden`,
  name: 'golden',
  timeoutMinutes: 360,
  distributions: [{ region: 'us-east-1', amiDistributionConfiguration: { kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/golden`, targetAccountIds: ['111111111111'] } }],
};

let ib: ImageBuilderEndpoint;
let client: ImagebuilderClient;
const savedEnv = { ...process.env };

beforeEach(async () => {
  ib = await startImageBuilderEndpoint();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_IMAGEBUILDER: ib.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_CONFIG_FILE: path.join(os.tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), 'no-aws-credentials'),
  });
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_PROFILE;
  client = new ImagebuilderClient({ region: 'us-east-1', maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await ib.close();
  process.env = { ...savedEnv };
});

const failure = async (promise: Promise<unknown>) => promise.then(() => {
  throw new Error('expected the call to fail');
}, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);

test('GetImage answers a seeded image in the wire format the SDK reads, member for member', async () => {
  const arn = imageArn('us-east-1', ACCOUNT, 'golden', '1.2.3', 4);
  const image = imageOf({
    arn,
    distributionConfiguration: DISTRIBUTION,
    amis: [{ region: 'us-east-1', accountId: ACCOUNT, image: 'ami-0123456789abcdef0' }, { region: 'us-east-1', accountId: '111111111111', image: 'ami-0fedcba9876543210' }],
    pipelineArn: PIPELINE,
    dateCreated: '2026-11-30T10:00:00.000Z',
  });
  ib.state.images.set(arn, image);

  const answer = await client.send(new GetImageCommand({ imageBuildVersionArn: arn }));

  expect(answer.image).toEqual(image);
  expect(answer.image!.outputResources!.amis!.map(a => [a.accountId, a.image])).toEqual([[ACCOUNT, 'ami-0123456789abcdef0'], ['111111111111', 'ami-0fedcba9876543210']]);
  expect(answer.image!.distributionConfiguration!.distributions![0].amiDistributionConfiguration!.kmsKeyId).toBe(`arn:aws:kms:us-east-1:${ACCOUNT}:alias/golden`);
  expect(ib.calls).toEqual([{ operation: 'GetImage', input: { imageBuildVersionArn: arn } }]);
  expect(ib.problems).toEqual([]);
});

test('an image that does not exist is the error the model declares for GetImage (ClientException)', async () => {
  const e = await failure(client.send(new GetImageCommand({ imageBuildVersionArn: imageArn('us-east-1', ACCOUNT, 'missing') })));
  expect(e.name).toBe('ClientException');
  expect(e.$metadata?.httpStatusCode).toBe(400);
  expect(ib.problems).toEqual([]);
});

test('a pipeline\'s images, page by page, and the pipeline itself', async () => {
  ib.state.pipelines.set(PIPELINE, { arn: PIPELINE, name: 'golden', distributionConfigurationArn: DISTRIBUTION.arn, status: 'ENABLED' });
  for (let build = 1; build <= 30; build++) {
    const arn = imageArn('us-east-1', ACCOUNT, 'golden', '1.0.0', build);
    ib.state.images.set(arn, imageOf({ arn, distributionConfiguration: DISTRIBUTION, amis: [], pipelineArn: PIPELINE }));
  }
  const first = await client.send(new ListImagePipelineImagesCommand({ imagePipelineArn: PIPELINE }));
  expect(first.imageSummaryList).toHaveLength(25);
  expect(first.nextToken).toBeDefined();
  const second = await client.send(new ListImagePipelineImagesCommand({ imagePipelineArn: PIPELINE, nextToken: first.nextToken }));
  expect(second.imageSummaryList!.map(s => s.version)).toEqual(['1.0.0/26', '1.0.0/27', '1.0.0/28', '1.0.0/29', '1.0.0/30']);
  expect(second.nextToken).toBeUndefined();

  const pipeline = await client.send(new GetImagePipelineCommand({ imagePipelineArn: PIPELINE }));
  expect(pipeline.imagePipeline!.distributionConfigurationArn).toBe(DISTRIBUTION.arn);
  const missing = await failure(client.send(new ListImagePipelineImagesCommand({ imagePipelineArn: `${PIPELINE}-x` })));
  expect(missing.name).toBe('ResourceNotFoundException');
  expect(ib.problems).toEqual([]);
});

describe('an answer that does not match the model is not sent: the call fails and the problem is recorded', () => {
  test.each([
    ['a state the service never reports', { state: { status: 'DONE' } }, /GetImage response\.image\.state\.status: "DONE" is not one of PENDING, CREATING/],
    ['a member the model does not have', { amiId: 'ami-1' }, /member amiId is not in the model/],
    ['a distribution configuration without its required timeoutMinutes', { distributionConfiguration: { name: 'golden' } }, /required member timeoutMinutes is missing/],
    ['an account list that is not a list', { distributionConfiguration: { ...DISTRIBUTION, distributions: [{ region: 'us-east-1', amiDistributionConfiguration: { targetAccountIds: '111111111111' } }] } }, /targetAccountIds: expected a list/],
  ])('%s', async (_, change, problem) => {
    const arn = imageArn('us-east-1', ACCOUNT, 'golden');
    ib.state.images.set(arn, { ...imageOf({ arn, distributionConfiguration: DISTRIBUTION, amis: [] }), ...change });
    const e = await failure(client.send(new GetImageCommand({ imageBuildVersionArn: arn })));
    expect(e.$metadata?.httpStatusCode).toBe(500);
    expect(ib.problems.join('\n')).toMatch(problem);
  });

  test('an error the operation does not declare', async () => {
    ib.handlers.GetImage = () => {
      throw new ServiceError('ThrottlingException', 'slow down');
    };
    const e = await failure(client.send(new GetImageCommand({ imageBuildVersionArn: imageArn('us-east-1', ACCOUNT, 'golden') })));
    expect(e.$metadata?.httpStatusCode).toBe(500);
    expect(ib.problems.join('\n')).toMatch(/GetImage cannot answer ThrottlingException: its errors are ServiceException, ClientException/);
  });

  test('an operation no handler serves', async () => {
    delete ib.handlers.GetImagePipeline;
    const e = await failure(client.send(new GetImagePipelineCommand({ imagePipelineArn: PIPELINE })));
    expect(e.$metadata?.httpStatusCode).toBe(500);
    expect(ib.problems).toEqual(['GetImagePipeline is not served by the local endpoint (add it to handlers)']);
  });
});

test('a request the service would reject (an ARN of the wrong pattern) is answered InvalidRequestException and recorded', async () => {
  const e = await failure(client.send(new GetImageCommand({ imageBuildVersionArn: 'arn:aws:imagebuilder:us-east-1:123456789012:image/golden' })));
  expect(e.name).toBe('InvalidRequestException');
  expect(ib.problems.join('\n')).toMatch(/GetImage request\.imageBuildVersionArn: .* does not match the pattern/);
});

test('the validator reads the model: required members, enums, patterns, lengths, list and map sizes', () => {
  const model = loadModel('imagebuilder');
  expect(validate(model, 'Ami', { region: 'us-east-1', image: 'ami-1', accountId: ACCOUNT, state: { status: 'AVAILABLE' } })).toEqual([]);
  expect(validate(model, 'LaunchTemplateConfiguration', { setDefaultVersion: true })).toEqual([
    'LaunchTemplateConfiguration: required member launchTemplateId is missing (shape LaunchTemplateConfiguration)',
  ]);
  expect(validate(model, 'LaunchTemplateConfiguration', { launchTemplateId: 'lt-1', setDefaultVersion: 'yes' })).toEqual([
    'LaunchTemplateConfiguration.launchTemplateId: "lt-1" does not match the pattern ^lt-[a-z0-9-_]{17}$ (shape LaunchTemplateId)',
    'LaunchTemplateConfiguration.setDefaultVersion: expected a boolean, got "yes" (shape Boolean)',
  ]);
  expect(validate(model, 'TagMap', {})).toEqual(['TagMap: 0 entries, fewer than the minimum 1 (shape TagMap)']);
  expect(validate(model, 'Ami', { region: '' })).toEqual(['Ami.region: 0 characters, fewer than the minimum 1 (shape NonEmptyString)']);
});
