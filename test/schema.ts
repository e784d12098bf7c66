import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';

/** The CloudFormation resource schemas of the reference material, beside the repository. */
export const SCHEMA_DIR = path.join(__dirname, '..', '..', 'shared', 'reference', 'cloudformation');

const validators = new Map<string, ValidateFunction>();

function validatorFor(type: string): ValidateFunction | undefined {
  if (!fs.existsSync(SCHEMA_DIR)) {
    // Without the reference schemas every check would pass: fail instead.
    throw new Error(`The CloudFormation schemas are missing: expected ${SCHEMA_DIR} (shared/reference beside the repository)`);
  }
  if (!validators.has(type)) {
    const file = path.join(SCHEMA_DIR, `${type.toLowerCase().replace(/::/g, '-')}.json`);
    if (!fs.existsSync(file)) {
      return undefined;
    }
    // A resource schema is draft-07 JSON Schema plus keywords of its own (createOnlyProperties, tagging, ...)
    // and CloudFormation formats ("AWS::EC2::Subnet.Id"): ajv ignores those; its meta-schema reference is dropped.
    const { $schema: _metaSchema, ...schema } = JSON.parse(fs.readFileSync(file, 'utf-8'));
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    validators.set(type, ajv.compile(schema));
  }
  return validators.get(type);
}

function isIntrinsic(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && Object.keys(value).length === 1 && /^(Ref|Fn::.+)$/.test(Object.keys(value)[0]);
}

function valueAt(root: unknown, pointer: string): unknown {
  return pointer.split('/').slice(1).reduce<any>((v, key) => (v === undefined ? undefined : v[key.replace(/~1/g, '/').replace(/~0/g, '~')]), root);
}

/** Whether a path is at or below an intrinsic function: such values are computed at deploy time. */
function underIntrinsic(root: unknown, pointer: string): boolean {
  const parts = pointer.split('/');
  for (let i = parts.length; i >= 1; i--) {
    if (isIntrinsic(valueAt(root, parts.slice(0, i).join('/')))) {
      return true;
    }
  }
  return false;
}

/**
 * Schema errors of every resource of a template whose type has a reference schema, as
 * `LogicalId: /path message`; values that are intrinsic functions count as valid.
 * `types` lists the resource types that must have been checked.
 */
export function schemaErrors(template: any, requiredTypes: string[] = []): string[] {
  const errors: string[] = [];
  const checked = new Set<string>();
  for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
    const validate = validatorFor(resource.Type);
    if (!validate) {
      continue;
    }
    checked.add(resource.Type);
    const properties = resource.Properties ?? {};
    if (!validate(properties)) {
      for (const e of validate.errors ?? []) {
        if (!underIntrinsic(properties, e.instancePath)) {
          errors.push(`${logicalId} (${resource.Type}): ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
        }
      }
    }
  }
  for (const type of requiredTypes) {
    if (!checked.has(type)) {
      errors.push(`no ${type} in the template`);
    }
  }
  return errors;
}
