/**
 * An `http` tool: one request per call to a fixed host, its path and query slots filled
 * (URL-encoded) from the model's arguments; for POST, PUT and PATCH the arguments no slot
 * used go as a JSON body. The response body, read up to the result cap, is the result; an
 * error status is an error result that quotes it.
 *
 * Redirects are not followed: a tool reaches only its own URL, whatever a server answers.
 */

import type { RuntimeHttpTool } from '../tool-contract.ts';
import { fillUrlTemplate, urlTemplateSlots } from '../tool-contract.ts';
import { functionDefinition, type Tool, type ToolAnswer, ToolError } from './tool.ts';
import { readBodyCapped } from './tool-result.ts';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const TEXTUAL =
  /^(text\/|application\/([\w.+-]*\+)?(json|xml|yaml|x-www-form-urlencoded|javascript|x-ndjson))/i;

export function httpTool(
  config: RuntimeHttpTool,
  headers: Record<string, string>,
  fetchFn: typeof fetch,
  userAgent: string,
): Tool {
  const slots = new Set(urlTemplateSlots(config.url));
  return {
    kind: 'http',
    name: config.name,
    definition: functionDefinition(config.name, config.description, config.parameters),
    async call(args, ctx): Promise<ToolAnswer> {
      let url: string;
      try {
        url = fillUrlTemplate(config.url, args);
      } catch (err) {
        throw new ToolError((err as Error).message);
      }
      const rest = Object.fromEntries(Object.entries(args).filter(([key]) => !slots.has(key)));
      const body =
        WITH_BODY.has(config.method) && Object.keys(rest).length ? JSON.stringify(rest) : undefined;
      const response = await fetchFn(url, {
        method: config.method,
        headers: {
          accept: 'application/json, text/plain;q=0.9, */*;q=0.1',
          'user-agent': userAgent,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body,
        redirect: 'manual',
        signal: ctx.signal,
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        throw new ToolError(
          `the tool answered ${response.status} (a redirect), which is not followed: a tool reaches only its own URL`,
        );
      }
      const type = response.headers.get('content-type') ?? '';
      let text: string;
      let truncated = false;
      if (type === '' || TEXTUAL.test(type)) {
        ({ text, truncated } = await readBodyCapped(response, ctx.maxResultBytes));
      } else {
        await response.body?.cancel();
        text = `[${type} content omitted: only text reaches the model]`;
      }
      if (response.ok) return { text, truncated };
      return { text: `HTTP ${response.status}: ${text}`, isError: true, truncated };
    },
  };
}
