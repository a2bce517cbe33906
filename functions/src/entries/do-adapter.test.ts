import { describe, expect, it } from 'vitest';
import { requestOf, resultOf } from './do-adapter.ts';
import { owBodyIsBase64, responseNeedsBase64 } from './web-media.ts';

describe('DigitalOcean args to a Request', () => {
  it('takes web raw args: method, path under the route, query, headers, body', async () => {
    const { request, trusted } = requestOf(
      {
        http: {
          method: 'post',
          path: '/my-agent/rollback',
          queryString: 'x=1',
          headers: { authorization: 'Bearer t' },
          body: '{"generation":2}',
        },
      },
      '/deployments',
    );
    expect(trusted).toBe(false);
    expect(request.method).toBe('POST');
    expect(new URL(request.url).pathname).toBe('/deployments/my-agent/rollback');
    expect(new URL(request.url).search).toBe('?x=1');
    expect(request.headers.get('authorization')).toBe('Bearer t');
    expect(await request.text()).toBe('{"generation":2}');
  });

  it('decodes base64 bodies', async () => {
    const { request } = requestOf(
      {
        http: {
          method: 'POST',
          path: '',
          headers: {},
          body: Buffer.from('{"name":"a"}').toString('base64'),
          isBase64Encoded: true,
        },
      },
      '/deploy',
    );
    expect(await request.json()).toEqual({ name: 'a' });
  });

  it('decodes a raw __ow_body that the platform base64-encoded (JSON and binary types), and keeps text as it is', async () => {
    // As Apache OpenWhisk's controller hands a raw web action its body (WebActions.scala):
    // base64 for application/json ("for legacy") and binary types, plain for text.
    const json = requestOf(
      {
        __ow_method: 'post',
        __ow_headers: { 'content-type': 'application/json' },
        __ow_body: Buffer.from('{"name":"from-ow"}').toString('base64'),
      },
      '/deploy',
    ).request;
    expect(await json.json()).toEqual({ name: 'from-ow' });
    const text = requestOf(
      { __ow_method: 'post', __ow_headers: { 'content-type': 'text/plain' }, __ow_body: '{"name":"plain"}' },
      '/deploy',
    ).request;
    expect(await text.text()).toBe('{"name":"plain"}');
    expect(owBodyIsBase64('application/json; charset=utf-8')).toBe(true);
    expect(owBodyIsBase64(undefined)).toBe(true);
    expect(owBodyIsBase64('application/x-www-form-urlencoded')).toBe(false);
    expect(owBodyIsBase64('application/vnd.custom; charset=utf-8')).toBe(false);
  });

  it('takes the legacy __ow_* fields', () => {
    const { request, trusted } = requestOf(
      { __ow_method: 'delete', __ow_path: 'my-agent', __ow_headers: { authorization: 'Bearer t' } },
      '/deployments',
    );
    expect(trusted).toBe(false);
    expect(request.method).toBe('DELETE');
    expect(new URL(request.url).pathname).toBe('/deployments/my-agent');
  });

  it('turns a plain invocation into a trusted request whose body is the params', async () => {
    const { request, trusted } = requestOf(
      { name: 'my-agent', template: 'Code Assistant' },
      '/deploy',
      'POST',
    );
    expect(trusted).toBe(true);
    expect(request.method).toBe('POST');
    expect(await request.json()).toEqual({ name: 'my-agent', template: 'Code Assistant' });
    const get = requestOf({ path: 'my-agent' }, '/deployments').request;
    expect([get.method, new URL(get.url).pathname]).toEqual(['GET', '/deployments/my-agent']);
  });

  it('never ignores a web request by treating it as trusted, even without headers', () => {
    expect(requestOf({ http: { method: 'GET' } }, '/templates').trusted).toBe(false);
  });
});

describe('a Response to the DigitalOcean result', () => {
  it('keeps status, headers and body', async () => {
    const result = await resultOf(
      new Response('{"a":1}', {
        status: 201,
        headers: { 'content-type': 'application/json', 'retry-after': '5' },
      }),
    );
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'retry-after': '5' },
      body: '{"a":1}',
    });
  });
});

describe('response bodies as the platform carries them', () => {
  it('sends the SVG icon base64, which the platform decodes back to the same bytes', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><path d="M8 11l8-4"/></svg>';
    const result = await resultOf(new Response(svg, { headers: { 'content-type': 'image/svg+xml' } }));
    expect(result.body).toBe(Buffer.from(svg).toString('base64'));
    expect(Buffer.from(result.body, 'base64').toString('utf8')).toBe(svg);
  });

  it('sends text and application/json as they are, and the rest of the JSON family base64 (which passes either way)', async () => {
    for (const type of ['text/html; charset=UTF-8', 'text/css', 'application/javascript', 'application/json'])
      expect({ type, base64: responseNeedsBase64(type) }).toEqual({ type, base64: false });
    for (const type of ['application/problem+json', 'image/png', 'application/octet-stream', 'image/svg+xml'])
      expect({ type, base64: responseNeedsBase64(type) }).toEqual({ type, base64: true });
    const problem = await resultOf(
      new Response('{"status":413}', {
        status: 413,
        headers: { 'content-type': 'application/problem+json' },
      }),
    );
    expect(JSON.parse(Buffer.from(problem.body, 'base64').toString('utf8'))).toEqual({ status: 413 });
    expect((await resultOf(new Response(null, { status: 204 }))).body).toBe('');
  });
});
