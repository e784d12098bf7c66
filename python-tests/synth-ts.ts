import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { SCENARIOS } from '../test/scenarios';

/** Writes each scenario's templates to <outdir>/<scenario>/<stack>.json. Usage: ts-node python-tests/synth-ts.ts <outdir> */
const outdir = process.argv[2];
for (const [name, build] of Object.entries(SCENARIOS)) {
  const app = new App({ outdir: path.join(outdir, 'cdk.out', name) });
  build(app);
  const assembly = app.synth();
  fs.mkdirSync(path.join(outdir, name), { recursive: true });
  for (const stack of assembly.stacks) {
    fs.writeFileSync(path.join(outdir, name, `${stack.stackName}.json`), JSON.stringify(stack.template, undefined, 1));
    // The template a StackSet deploys (CrossAccountDistributionRoleStackSet's role) is linted as well.
    for (const [logicalId, resource] of Object.entries<any>(stack.template.Resources ?? {})) {
      if (resource.Type === 'AWS::CloudFormation::StackSet' && typeof resource.Properties?.TemplateBody === 'string') {
        fs.writeFileSync(path.join(outdir, name, `${stack.stackName}.${logicalId}.json`), resource.Properties.TemplateBody);
      }
    }
  }
}
