import { describe, expect, it } from 'vitest';
import { requestOf, resultOf } from './do-adapter.ts';

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
