import { Handler, ImageBuilderEndpoint, NoAnswer, Obj, ServiceError, imageOf, notFound } from './imagebuilder';

/*
 * The local Image Builder endpoint's answers to what `distribute` and `retry` call: DistributeImage (a new image that
 * distributes the source AMI with a configuration), RetryImage (a FAILED or CANCELLED image resumes), and
 * GetDistributionConfiguration; then GetImage shows the image moving through its states, one per read, to the end
 * the test scripts. Like every answer of the endpoint, these are validated against Image Builder's model.
 *
 * Client tokens as Image Builder honours them ("If you retry a request with the same client token, Image Builder
 * returns the original response without running the operation again"; the same token with other parameters is
 * IdempotentParameterMismatchException, the model's error for it): a request is recorded by its token, and a
 * request with a known token starts nothing. `answer: 'hang' | 'reset'` makes DistributeImage do its work (the image
 * exists, with the request's tags) and never answer, as when the network fails after the service accepted it.
 */

/** What the test decides about the images these calls create or resume. */
export interface DistributionScript {
  /** The deployed distribution configurations, by ARN: the model's `DistributionConfiguration`. */
  readonly configurations: Map<string, Obj>;
  /** The states the image passes through, one per GetImage, ending in the last. @default DISTRIBUTING, AVAILABLE */
  readonly states?: Array<{ status: string; reason?: string }>;
  /** The AMIs the finished image reports (`outputResources.amis`). @default none */
  readonly amis?: Array<{ region: string; accountId: string; image: string }>;
  /** How DistributeImage answers once it has started the image. @default 'answer' */
  answer?: 'answer' | 'hang' | 'reset';
}

const requestId = () => '00000000-0000-4000-8000-000000000001';

/** Adds the handlers to `ib`. The images they make are in `ib.state.images`; `script.answer` may change between calls. */
export function serveDistribution(ib: ImageBuilderEndpoint, script: DistributionScript) {
  const states = script.states ?? [{ status: 'DISTRIBUTING' }, { status: 'AVAILABLE' }];
  const reads = new Map<string, number>();
  let builds = 0;

  /** Starts an image on the scripted states: each GetImage of it moves it one state on. */
  const scripted = (arn: string) => reads.set(arn, 0);

  const getImage = ib.handlers.GetImage;
  ib.handlers.GetImage = (input, state) => {
    const arn = input.imageBuildVersionArn;
    const read = reads.get(arn);
    const image = state.images.get(arn);
    if (read !== undefined && image) {
      const next = states[Math.min(read, states.length - 1)];
      reads.set(arn, read + 1);
      image.state = { status: next.status, ...(next.reason ? { reason: next.reason } : {}) };
      if (next.status === 'AVAILABLE' && script.amis) {
        image.outputResources = { amis: script.amis.map(a => ({ ...a, name: `${image.name} ${a.region}`, state: { status: 'AVAILABLE' } })) };
      }
    }
    return getImage(input, state);
  };

  /** The requests by client token: what was asked, and the original answer. */
  const tokens = new Map<string, { request: string; answer: Obj }>();
  const idempotent = (operation: string, input: Obj, work: () => Obj): Obj => {
    const request = JSON.stringify({ operation, ...input });
    const known = tokens.get(input.clientToken);
    if (known && known.request !== request) {
      throw new ServiceError('IdempotentParameterMismatchException', `The client token ${input.clientToken} was used with other parameters.`);
    }
    const answer = known?.answer ?? work();
    tokens.set(input.clientToken, { request, answer });
    return answer;
  };

  const distributeImage: Handler = (input, state) => {
    const answer = idempotent('DistributeImage', input, () => {
      const configuration = script.configurations.get(input.distributionConfigurationArn);
      if (!configuration) {
        throw notFound('DistributeImage', input.distributionConfigurationArn);
      }
      const [, region, account] = /^arn:aws[a-z-]*:imagebuilder:([a-z0-9-]+):([0-9]{12}):/.exec(input.distributionConfigurationArn)!;
      builds++;
      // An image name is lowercase (ImageBuildVersionArn's pattern); a configuration's name may not be.
      const name = String(configuration.name).toLowerCase().replace(/[^a-z0-9-_]/g, '-');
      const arn = `arn:aws:imagebuilder:${region}:${account}:image/distributed-${name}/1.0.0/${builds}`;
      const image = imageOf({ arn, distributionConfiguration: configuration, amis: [], status: 'PENDING' });
      state.images.set(arn, { ...image, outputResources: { amis: [] }, buildType: 'USER_INITIATED', ...(input.tags ? { tags: input.tags } : {}) });
      scripted(arn);
      return { clientToken: input.clientToken, imageBuildVersionArn: arn };
    });
    if (script.answer === 'hang' || script.answer === 'reset') {
      throw new NoAnswer(script.answer);
    }
    return answer;
  };

  const retryImage: Handler = (input, state) => idempotent('RetryImage', input, () => {
    const image = state.images.get(input.imageBuildVersionArn);
    if (!image) {
      throw new ServiceError('InvalidRequestException', `The image ${input.imageBuildVersionArn} does not exist.`);
    }
    if (!['FAILED', 'CANCELLED'].includes(image.state?.status)) {
      throw new ServiceError('InvalidRequestException', `The image ${input.imageBuildVersionArn} is ${image.state?.status}; only FAILED or CANCELLED images can be retried.`);
    }
    scripted(input.imageBuildVersionArn);
    return { clientToken: input.clientToken, imageBuildVersionArn: input.imageBuildVersionArn };
  });

  ib.handlers.DistributeImage = distributeImage;
  ib.handlers.RetryImage = retryImage;
  ib.handlers.GetDistributionConfiguration = input => {
    const configuration = script.configurations.get(input.distributionConfigurationArn);
    if (!configuration) {
      throw notFound('GetDistributionConfiguration', input.distributionConfigurationArn);
    }
    return { requestId: requestId(), distributionConfiguration: configuration };
  };
}
