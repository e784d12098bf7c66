import { ValidationError } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A `ValidationError` attached to `scope`, so that the CDK shows the construct path with the message.
 * aws-cdk-lib types the error's name as a branded literal string; ours are literals too.
 */
export function validationError(name: string, message: string, scope: IConstruct): Error {
  return new ValidationError(name as ConstructorParameters<typeof ValidationError>[0], message, scope);
}
