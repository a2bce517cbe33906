/**
 * The agent's A2A card: who it is, where its JSON-RPC endpoint is (`<publicUrl>/a2a`, at A2A
 * 1.0 and, through the SDK's compat layer, 0.3), its skills (routes/agent-skills.ts: generate and the
 * custom endpoints) and, when it requires a key, the bearer scheme.
 *
 * A2A 1.0 clients ask with `A2A-Version: 1.0` and get the card as A2A 1.0's JSON; a client
 * that sends no version is a 0.3 client (the spec's default) and gets the 0.3 shape, whose
 * top-level `url` and `preferredTransport` it reads. Pure: no I/O.
 */
import { A2A_PROTOCOL_VERSION, AgentCard, type AgentSkill as CardSkill } from '@a2a-js/sdk';
import { duplicateInterfacesForLegacy } from '@a2a-js/sdk/compat/v0_3';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { AgentSkill } from '../routes/agent-skills.ts';

const TEXT = 'text/plain';
const INPUT_MODES = [TEXT, 'application/json'];
const BEARER = 'bearer';
const BEARER_DESCRIPTION = "The agent's API key, as Authorization: Bearer <key>";

/** How a message picks a skill and fills its input; repeated in each skill's description. */
export const SKILL_METADATA_KEY = 'skill';

export function agentCard(rt: AgentRuntime, skills: AgentSkill[], a2aUrl: string): AgentCard {
  const { config } = rt;
  return {
    name: config.name,
    description: `The fleetplane agent ${config.name} (${config.template}, model ${config.model.provider} ${config.model.id}). Send a text message to ask it; set message metadata "${SKILL_METADATA_KEY}" to a skill id to use a custom endpoint.`,
    supportedInterfaces: duplicateInterfacesForLegacy(
      [{ url: a2aUrl, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION }],
      ['JSONRPC'],
    ),
    provider: undefined,
    version: rt.version,
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: config.requireApiKey
      ? {
          [BEARER]: {
            scheme: {
              $case: 'httpAuthSecurityScheme',
              value: { description: BEARER_DESCRIPTION, scheme: 'Bearer', bearerFormat: '' },
            },
          },
        }
      : {},
    securityRequirements: config.requireApiKey ? [{ schemes: { [BEARER]: { list: [] } } }] : [],
    defaultInputModes: INPUT_MODES,
    defaultOutputModes: [TEXT],
    skills: skills.map(cardSkill),
    signatures: [],
  };
}

function cardSkill(skill: AgentSkill): CardSkill {
  const fields = Object.keys((skill.inputSchema.properties as object | undefined) ?? {});
  const how = skill.textField
    ? `Send its ${skill.textField} as the message text${fields.length > 1 ? `, or every field (${fields.join(', ')}) as a data part` : ''}.`
    : `Send its fields (${fields.join(', ')}) as a data part.`;
  return {
    id: skill.name,
    name: skill.title,
    description: `${skill.description} ${how}${skill.name === 'generate' ? '' : ` Select it with message metadata {"${SKILL_METADATA_KEY}": "${skill.name}"}.`}`,
    tags: [skill.name === 'generate' ? 'generate' : 'custom-endpoint'],
    examples: [],
    inputModes: skill.textField ? INPUT_MODES : ['application/json'],
    outputModes: [TEXT],
    securityRequirements: [],
  };
}

/** The card as JSON for the version a client asked for (absent: 0.3, as the spec says). */
export function cardJson(card: AgentCard, requestedVersion: string | undefined): unknown {
  return isLegacy(requestedVersion) ? legacyCardJson(card) : AgentCard.toJSON(card);
}

const isLegacy = (version: string | undefined) => !version || /^0\./.test(version.trim());

/**
 * The same card in A2A 0.3's shape. The SDK translates only inside its Express router, so the
 * few fields this agent uses are translated here; the 1.0 interfaces stay embedded, as the
 * SDK's own 0.3 card does, for clients that understand both.
 */
function legacyCardJson(card: AgentCard) {
  const legacy = card.supportedInterfaces.find((i) => isLegacy(i.protocolVersion));
  const bearer = Object.keys(card.securitySchemes).length > 0;
  return {
    protocolVersion: '0.3.0',
    name: card.name,
    description: card.description,
    url: legacy?.url,
    preferredTransport: legacy?.protocolBinding,
    version: card.version,
    capabilities: { streaming: card.capabilities?.streaming, pushNotifications: false },
    defaultInputModes: card.defaultInputModes,
    defaultOutputModes: card.defaultOutputModes,
    skills: card.skills.map(({ id, name, description, tags, inputModes, outputModes }) => ({
      id,
      name,
      description,
      tags,
      inputModes,
      outputModes,
    })),
    ...(bearer
      ? {
          securitySchemes: { [BEARER]: { type: 'http', scheme: 'bearer', description: BEARER_DESCRIPTION } },
          security: [{ [BEARER]: [] }],
        }
      : {}),
    supportedInterfaces: card.supportedInterfaces,
  };
}
