/**
 * `fleetplane validate <file.json>`: the API's own rules, with no server. Field errors go to
 * stderr one `path: message` per line (and into the data with -o json|yaml); exit 1 if any.
 */
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { fieldLines } from '../failure.ts';
import { printData } from '../output.ts';
import { readJsonFile } from '../read-json.ts';

export async function run(context: VerbContext): Promise<number> {
  const [file] = context.args as [string];
  const body = await readJsonFile(file);
  const { checkDeployBody, deployBodyErrors } = await import('../../core/deploy-request.ts');
  const checked = checkDeployBody(body);
  const errors = deployBodyErrors(checked);
  const agents = checked.ok ? checked.agents.length : 0;
  if (errors.length)
    context.io.err(`fleetplane: ${file} is not a valid agent config:\n${fieldLines(errors)}`);
  if (errors.length === 0 || context.output !== 'text')
    await printData(context, { file, valid: errors.length === 0, agents, errors }, () => `${file}: valid`);
  return errors.length ? EXIT.failed : EXIT.ok;
}
