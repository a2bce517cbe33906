/** `fleetplane whoami`: the scope of the token in use (GET /whoami): its role and the agent names it reaches. */
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData } from '../output.ts';

export async function run(context: VerbContext): Promise<number> {
  const who = await (await context.client()).whoami();
  const how = {
    token: 'with the token of --token or FLEETPLANE_TOKEN',
    open: 'without a token (a local server open on loopback)',
    invocation: 'as a DigitalOcean function invocation',
  }[who.via];
  await printData(context, who, () => `${who.scope} at ${context.url}, ${how}\n${who.description}`);
  return EXIT.ok;
}
