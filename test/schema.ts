import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';

/**
 * The CloudFormation resource schemas, vendored from the pinned cfn-lint package (see SOURCE.json;
 * `npm run schemas:refresh` copies them again).
 */
export const SCHEMA_DIR = path.join(__dirname, 'schemas');

/** Resource types that have no resource schema: CloudFormation handles them itself. */
const WITHOUT_SCHEMA = new Set(['AWS::CDK::Metadata']);

interface SchemaSource {
  readonly version: string;
  readonly schemas: Record<string, { readonly file: string; readonly sha256: string }>;
}

let source: SchemaSource | undefined;
const validators = new Map<string, ValidateFunction>();

function schemaSource(): SchemaSource {
  source ??= JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, 'SOURCE.json'), 'utf-8')) as SchemaSource;
  return source;
}

/** The validator of a resource type; a type without a vendored schema is an error, so nothing passes unchecked. */
function validatorFor(type: string): ValidateFunction | undefined {
  if (WITHOUT_SCHEMA.has(type)) {
    return undefined;
  }
  let validate = validators.get(type);
  if (validate) {
    return validate;
  }
  const entry = schemaSource().schemas[type];
  if (!entry) {
    throw new Error(`No CloudFormation schema is vendored for ${type}: add it to TYPES in test/schemas/refresh.sh and run 'npm run schemas:refresh'`);
  }
  const text = fs.readFileSync(path.join(SCHEMA_DIR, entry.file));
  if (createHash('sha256').update(text).digest('hex') !== entry.sha256) {
    throw new Error(`test/schemas/${entry.file} is not the file SOURCE.json records (cfn-lint ${schemaSource().version}): run 'npm run schemas:refresh'`);
  }
  // A resource schema is draft-07 JSON Schema plus keywords of its own (createOnlyProperties, tagging, ...)
  // and CloudFormation formats ("AWS::EC2::Subnet.Id"): ajv ignores those; its meta-schema reference is dropped.
  const { $schema: _metaSchema, ...schema } = JSON.parse(text.toString('utf-8'));
  try {
    validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);
  } catch (e) {
    // Some schemas (AWS::CloudFormation::StackSet) escape characters that need no escape (`\:`), which
    // JavaScript's unicode mode rejects; as the non-unicode regular expressions the schemas are written for, they compile.
    if (!(e instanceof SyntaxError)) {
      throw e;
    }
    validate = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(schema);
  }
  validators.set(type, validate);
  return validate;
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
 * Schema errors of every resource of a template, as `LogicalId: /path message`; values that are
 * intrinsic functions count as valid. A resource type without a vendored schema throws.
 * `requiredTypes` lists the resource types that must have been checked.
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
