import { Resource, Stack, Token, aws_ecr as ecr } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { constructionError } from './errors';
import { arnEnvironment, concrete, differs } from './key-reference';

/*
 * How a distribution names the ECR repository of a container Region: a repository of this app in another
 * Region's stack is named by its literal name (with a stack dependency), as a cross-region reference to its
 * name would need custom resources.
 */

/** The Region of a repository, when known, and how messages name it. */
export function repositoryInfo(repository: ecr.IRepository): { region?: string; name: string } {
  if (Resource.isOwnedResource(repository)) {
    return { region: concrete(Stack.of(repository).region), name: repository.node.path };
  }
  // An ARN written out (`fromRepositoryArn`) names its Region; `fromRepositoryName` builds an ARN with the
  // partition as a token and means the repository of that name wherever the entry distributes to.
  const region = Token.isUnresolved(repository.repositoryArn) ? undefined : arnEnvironment(repository.repositoryArn).region;
  return { region, name: Token.isUnresolved(repository.repositoryName) ? repository.node.path : repository.repositoryName };
}

/** The `RepositoryName` a container entry of `scope` writes for `repository`. */
export function repositoryNameFor(scope: IConstruct, region: string, repository: ecr.IRepository): string {
  if (!Resource.isOwnedResource(repository)) {
    return repository.repositoryName;
  }
  const repoStack = Stack.of(repository);
  const here = Stack.of(scope);
  if (repoStack === here || !(differs(repoStack.region, here.region) || differs(repoStack.account, here.account))) {
    return repository.repositoryName;
  }
  const literal = (repository.node.defaultChild as ecr.CfnRepository | undefined)?.repositoryName;
  if (literal === undefined || Token.isUnresolved(literal)) {
    throw constructionError('ContainerRepositoryReference', `Region ${region}: the repository ${repository.node.path} is in stack ${repoStack.node.path} of another Region or account, and its name is generated when that stack deploys, so this distribution cannot name it. Fix: give the repository a repositoryName.`, scope);
  }
  if (!here.dependencies.includes(repoStack)) {
    here.addStackDependency(repoStack, 'the ECR repository of an Image Builder container distribution');
  }
  return literal;
}
